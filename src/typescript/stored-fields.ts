/**
 * How one field of a TypeScript service is stored (state format 2), and what to write after an
 * event so that storage matches it again. Each field lives under its own keys, so an event
 * rewrites only the fields it changed:
 *
 * - `ValueField`: the field encoded whole, split into chunks of 256 Ki characters; only the
 *   chunks whose text changed are written (appending to a long value rewrites the last chunk).
 * - `CollectionField`: a large array, Map or plain object, watched entry by entry (see
 *   watched.ts); entries live in buckets of 64 slots, and only the buckets of entries whose
 *   encoding changed are written.
 *
 * Keys, below the engine's prefix, for a field's base key B (`ts/f/<name>` or `ts/save`):
 * `B` holds a header naming the layout, `B/<n>` chunk n or bucket n.
 */

import { floor, jsonParse, jsonStringify } from "../intrinsics.ts";
import { decodeParsed, decodeState, describeKey, encodeState } from "./state-codec.ts";
import { type Collection, type CollectionKind, type Watched, watch } from "./watched.ts";

/** Keeps each stored value far below the storage API's per-value limit (2 MiB). */
export const CHUNK_CHARS = 256 * 1024;
/** Entries per bucket: a changed entry rewrites about 64 entries' worth of text. */
export const BUCKET_SLOTS = 64;
/** Smaller collections are stored whole: encoding them is cheap, and they keep their identity. */
export const WATCH_MIN_ENTRIES = 256;

export type FieldHeader =
	| { readonly kind: "value"; readonly chunks: number }
	| { readonly kind: "list"; readonly length: number }
	| { readonly kind: "map" | "object"; readonly next: number };

/** The writes that bring one field's storage up to date, and how to adopt them once committed. */
export interface FieldPlan {
	readonly put: Map<string, unknown>;
	readonly delete: string[];
	/** The field as stored once the writes are committed (a new object when the layout changed). */
	commit(): StoredField;
}

export type StoredField = ValueField | CollectionField;

const partKey = (base: string, index: number) => `${base}/${index}`;
/** What a header costs in storage, roughly: its key and a small object. */
const headerBytes = (base: string) => base.length + 48;

/**
 * Plans the writes that store `value` in the field at `base`, given how it is stored now
 * (`undefined` for a new field); `undefined` if storage already holds it. Throws an
 * `UnstorableStateError` naming `path` when the value cannot be stored.
 */
export function planField(
	stored: StoredField | undefined,
	base: string,
	value: unknown,
	path: string,
	mayWatch: boolean,
): FieldPlan | undefined {
	if (stored instanceof CollectionField && value === stored.watched?.proxy) {
		const plan = stored.planUpdate(path);
		if (plan !== "too big") return plan;
		return replace(stored, ValueField.encode(base, value, path));
	}
	const kind = mayWatch ? watchableKind(value) : undefined;
	if (kind !== undefined) {
		const field = CollectionField.encode(base, kind, value as Collection, path);
		if (field !== undefined) return replace(stored, field);
	}
	if (stored instanceof ValueField) return stored.planUpdate(value, path);
	return replace(stored, ValueField.encode(base, value, path));
}

/** Reads a field stored at `base` from the engine's stored keys. */
export function readField(base: string, header: FieldHeader, stored: ReadonlyMap<string, unknown>): StoredField {
	if (header.kind === "value") return ValueField.read(base, header.chunks, stored);
	return CollectionField.read(base, header, stored);
}

/** Which collection kind a value would be watched as, if it is large enough to be worth it. */
function watchableKind(value: unknown): CollectionKind | undefined {
	if (Array.isArray(value)) return value.length >= WATCH_MIN_ENTRIES ? "list" : undefined;
	if (value instanceof Map) return value.size >= WATCH_MIN_ENTRIES ? "map" : undefined;
	if (typeof value !== "object" || value === null) return undefined;
	const prototype = Object.getPrototypeOf(value) as unknown;
	if (prototype !== Object.prototype && prototype !== null) return undefined;
	return Object.keys(value).length >= WATCH_MIN_ENTRIES ? "object" : undefined;
}

/** Writes a field afresh in a new layout, deleting whatever its old layout stored. */
function replace(stored: StoredField | undefined, field: StoredField): FieldPlan {
	const put = field.allWrites();
	const old = stored?.keys() ?? [];
	return { put, delete: old.filter((key) => !put.has(key)), commit: () => field };
}

/** A field stored whole, in chunks. */
export class ValueField {
	private constructor(
		readonly base: string,
		private chunks: string[],
		/** Whether storage holds this field's header (a new field's does not, yet). */
		private headerStored: boolean,
	) {}

	static encode(base: string, value: unknown, path: string): ValueField {
		return new ValueField(base, split(encodeState(value, path)), false);
	}

	static read(base: string, count: number, stored: ReadonlyMap<string, unknown>): ValueField {
		const chunks: string[] = [];
		for (let index = 0; index < count; index++) {
			const chunk = stored.get(partKey(base, index));
			if (typeof chunk !== "string")
				throw new Error(`Stored state is missing chunk ${index} of ${count} of "${base}".`);
			chunks.push(chunk);
		}
		return new ValueField(base, chunks, true);
	}

	get bytes(): number {
		return (
			headerBytes(this.base) +
			this.chunks.reduce((sum, chunk, index) => sum + chunk.length + this.base.length + String(index).length + 1, 0)
		);
	}

	/** The field's value as stored, decoded afresh. */
	materialize(): unknown {
		return decodeState(this.chunks.join(""));
	}

	keys(): string[] {
		return [this.base, ...this.chunks.map((_, index) => partKey(this.base, index))];
	}

	/** The stored JSON, parsed (tags included). */
	json(): unknown {
		return jsonParse(this.chunks.join(""));
	}

	allWrites(): Map<string, unknown> {
		const put = new Map<string, unknown>([[this.base, this.header()]]);
		this.chunks.forEach((chunk, index) => {
			put.set(partKey(this.base, index), chunk);
		});
		this.headerStored = true;
		return put;
	}

	/** Writes only the chunks whose text changed, and the header if their number did. */
	planUpdate(value: unknown, path: string): FieldPlan | undefined {
		const chunks = split(encodeState(value, path));
		const put = new Map<string, unknown>();
		chunks.forEach((chunk, index) => {
			if (chunk !== this.chunks[index]) put.set(partKey(this.base, index), chunk);
		});
		const deletes: string[] = [];
		for (let index = chunks.length; index < this.chunks.length; index++) deletes.push(partKey(this.base, index));
		if (chunks.length !== this.chunks.length || !this.headerStored) {
			put.set(this.base, { kind: "value", chunks: chunks.length } satisfies FieldHeader);
		}
		if (put.size === 0 && deletes.length === 0) return undefined;
		// A method, not an arrow function, so that a bundler keeping function names does not
		// rename it on every event (see payload.ts).
		const field = this;
		return {
			put,
			delete: deletes,
			commit() {
				field.chunks = chunks;
				field.headerStored = true;
				return field;
			},
		};
	}

	private header(): FieldHeader {
		return { kind: "value", chunks: this.chunks.length };
	}
}

/** A large array, Map or plain object, stored entry by entry in buckets. */
export class CollectionField {
	/** The live collection the service sees; rebuilt by `materialize`. */
	watched: Watched | undefined;
	/** Map keys and property names by slot (lists use the index as the slot). */
	#slotOf = new Map<unknown, number>();
	/** Stored characters of each bucket, for the running size. */
	readonly #bucketBytes = new Map<number, number>();

	private constructor(
		readonly base: string,
		readonly kind: CollectionKind,
		/** Each entry's stored encoding, by slot, as of the last commit. */
		private readonly entries: Map<number, string>,
		/** A list's length, or the next unused slot of a Map or object. */
		private size: number,
	) {}

	/** Encodes every entry of a collection; `undefined` if a bucket would be too big to store. */
	static encode(base: string, kind: CollectionKind, value: Collection, path: string): CollectionField | undefined {
		const entries = new Map<number, string>();
		const field = new CollectionField(base, kind, entries, 0);
		let slot = 0;
		for (const [key, item] of entriesOf(kind, value)) {
			entries.set(slot, encodeEntry(kind, key, item, path));
			if (kind !== "list") field.#slotOf.set(key, slot);
			slot += 1;
		}
		field.size = slot;
		for (const bucket of new Set([...entries.keys()].map(bucketOf))) {
			const text = field.bucketText(bucket, (slot) => entries.get(slot));
			if (text.length > CHUNK_CHARS) return undefined;
			field.#bucketBytes.set(bucket, text.length);
		}
		return field;
	}

	static read(
		base: string,
		header: Exclude<FieldHeader, { kind: "value" }>,
		stored: ReadonlyMap<string, unknown>,
	): CollectionField {
		const size = header.kind === "list" ? header.length : header.next;
		const field = new CollectionField(base, header.kind, new Map(), size);
		const slots: [number, string][] = [];
		const prefix = `${base}/`;
		for (const [key, value] of stored) {
			if (!key.startsWith(prefix)) continue;
			if (typeof value !== "string") throw new Error(`Stored bucket "${key}" is not text.`);
			field.#bucketBytes.set(Number(key.slice(prefix.length)), value.length);
			for (const [slot, entry] of jsonParse(value) as [number, unknown][]) slots.push([slot, jsonStringify(entry)]);
		}
		slots.sort(([a], [b]) => a - b);
		for (const [slot, entry] of slots) field.entries.set(slot, entry);
		return field;
	}

	get bytes(): number {
		let sum = headerBytes(this.base);
		for (const [bucket, chars] of this.#bucketBytes) sum += chars + this.base.length + String(bucket).length + 1;
		return sum;
	}

	/** Builds the collection from its stored entries and watches it; returns what the service sees. */
	materialize(): Collection {
		const target: Collection = this.kind === "list" ? new Array(this.size) : this.kind === "map" ? new Map() : {};
		this.#slotOf = new Map();
		for (const [slot, text] of this.entries) {
			const entry = jsonParse(text) as unknown;
			if (this.kind === "list") {
				(target as unknown[])[slot] = decodeParsed(entry);
				continue;
			}
			const [rawKey, rawValue] = entry as [unknown, unknown];
			const key = decodeParsed(rawKey);
			if (this.kind === "map") (target as Map<unknown, unknown>).set(key, decodeParsed(rawValue));
			else (target as Record<string, unknown>)[key as string] = decodeParsed(rawValue);
			this.#slotOf.set(key, slot);
		}
		this.watched = watch(this.kind, target);
		return this.watched.proxy;
	}

	keys(): string[] {
		return [this.base, ...[...this.#bucketBytes.keys()].map((bucket) => partKey(this.base, bucket))];
	}

	/** The stored JSON, parsed (tags included), shaped as the whole collection would encode. */
	json(): unknown {
		const slots = [...this.entries].sort(([a], [b]) => a - b);
		const entries = slots.map(([, text]) => jsonParse(text) as unknown);
		if (this.kind === "list") return entries;
		if (this.kind === "map") return { $sr: "map", v: entries };
		return Object.fromEntries(entries as [string, unknown][]);
	}

	allWrites(): Map<string, unknown> {
		const put = new Map<string, unknown>([[this.base, this.header(this.size)]]);
		for (const bucket of this.#bucketBytes.keys())
			put.set(
				partKey(this.base, bucket),
				this.bucketText(bucket, (slot) => this.entries.get(slot)),
			);
		return put;
	}

	/**
	 * Encodes the entries the events since the last checkpoint touched, and plans writes for the
	 * buckets whose entries changed. "too big" when a bucket would no longer fit in one value.
	 */
	planUpdate(path: string): FieldPlan | undefined | "too big" {
		const watched = this.watched as Watched;
		const changed = new Map<number, string>();
		const removed = new Set<number>();
		const added = new Map<unknown, number>();
		let size = this.size;
		const removedKeys: unknown[] = [];
		const consider = (key: unknown) => {
			let slot = this.kind === "list" ? (key as number) : (this.#slotOf.get(key) ?? added.get(key));
			const present = hasEntry(this.kind, watched.target, key);
			// A key deleted and set again moved to the end of the Map's (or object's) order.
			const moved = present && slot !== undefined && !added.has(key) && watched.touches.deleted.has(key);
			if (this.kind !== "list" && slot !== undefined && (!present || moved)) {
				removed.add(slot);
				removedKeys.push(key);
				slot = undefined;
			}
			if (!present) return;
			const text = encodeEntry(this.kind, key, entryValue(this.kind, watched.target, key), path);
			const target = slot ?? size++;
			if (slot === undefined) added.set(key, target);
			if (text !== this.entries.get(target)) changed.set(target, text);
		};
		if (this.kind === "list") {
			const length = (watched.target as unknown[]).length;
			const indexes = watched.touches.all ? range(0, length) : (watched.touches.keys as Set<number>);
			for (const index of indexes) if (index < length) consider(index);
			// Growth through `length` touches no index; shrinking deletes the tail.
			for (let index = this.size; index < length; index++) if (!changed.has(index)) consider(index);
			for (let index = length; index < this.size; index++) removed.add(index);
			size = length;
		} else {
			const keys = watched.touches.all
				? new Set([...keysOf(this.kind, watched.target), ...this.#slotOf.keys()])
				: watched.touches.keys;
			for (const key of keys) consider(key);
		}
		watched.touches.reset();
		if (changed.size === 0 && removed.size === 0 && size === this.size) return undefined;

		const lookup = (slot: number) => changed.get(slot) ?? (removed.has(slot) ? undefined : this.entries.get(slot));
		const put = new Map<string, unknown>();
		const deletes: string[] = [];
		const bucketBytes = new Map<number, number>();
		for (const bucket of new Set([...changed.keys(), ...removed].map(bucketOf))) {
			const text = this.bucketText(bucket, lookup);
			if (text.length > CHUNK_CHARS) return "too big";
			if (text === "[]") deletes.push(partKey(this.base, bucket));
			else put.set(partKey(this.base, bucket), text);
			bucketBytes.set(bucket, text === "[]" ? 0 : text.length);
		}
		if (size !== this.size) put.set(this.base, this.header(size));
		return {
			put,
			delete: deletes,
			commit: () => {
				for (const slot of removed) this.entries.delete(slot);
				for (const [slot, text] of changed) this.entries.set(slot, text);
				for (const key of removedKeys) this.#slotOf.delete(key);
				for (const [key, slot] of added) this.#slotOf.set(key, slot);
				for (const [bucket, chars] of bucketBytes) {
					if (chars === 0) this.#bucketBytes.delete(bucket);
					else this.#bucketBytes.set(bucket, chars);
				}
				this.size = size;
				return this;
			},
		};
	}

	private header(size: number): FieldHeader {
		return this.kind === "list" ? { kind: "list", length: size } : { kind: this.kind, next: size };
	}

	/** A bucket's stored text: `[[slot, entry], ...]`, built from the entries' cached encodings. */
	private bucketText(bucket: number, entryAt: (slot: number) => string | undefined): string {
		const parts: string[] = [];
		for (let slot = bucket * BUCKET_SLOTS; slot < (bucket + 1) * BUCKET_SLOTS; slot++) {
			const text = entryAt(slot);
			if (text !== undefined) parts.push(`[${slot},${text}]`);
		}
		return `[${parts.join(",")}]`;
	}
}

function bucketOf(slot: number): number {
	return floor(slot / BUCKET_SLOTS);
}

function* range(start: number, end: number): Iterable<number> {
	for (let index = start; index < end; index++) yield index;
}

function split(text: string): string[] {
	const chunks: string[] = [];
	for (let start = 0; start < text.length; start += CHUNK_CHARS) chunks.push(text.slice(start, start + CHUNK_CHARS));
	return chunks.length === 0 ? [""] : chunks;
}

function* entriesOf(kind: CollectionKind, value: Collection): Iterable<[unknown, unknown]> {
	if (kind === "list") {
		const list = value as unknown[];
		for (let index = 0; index < list.length; index++) yield [index, list[index]];
	} else if (kind === "map") {
		yield* value as Map<unknown, unknown>;
	} else {
		yield* Object.entries(value as Record<string, unknown>);
	}
}

function keysOf(kind: Exclude<CollectionKind, "list">, target: Collection): Iterable<unknown> {
	return kind === "map" ? (target as Map<unknown, unknown>).keys() : Object.keys(target);
}

function hasEntry(kind: CollectionKind, target: Collection, key: unknown): boolean {
	if (kind === "list") return (key as number) < (target as unknown[]).length;
	if (kind === "map") return (target as Map<unknown, unknown>).has(key);
	return typeof key === "string" && Object.prototype.propertyIsEnumerable.call(target, key);
}

function entryValue(kind: CollectionKind, target: Collection, key: unknown): unknown {
	if (kind === "list") return (target as unknown[])[key as number];
	if (kind === "map") return (target as Map<unknown, unknown>).get(key);
	return (target as Record<string, unknown>)[key as string];
}

/** An entry's stored text: a list item alone; a Map's or object's `[key, value]` pair. */
function encodeEntry(kind: CollectionKind, key: unknown, item: unknown, path: string): string {
	if (kind === "list") return encodeState(item, `${path}[${key as number}]`);
	if (kind === "map") {
		return `[${encodeState(key, `${path} (a key)`)},${encodeState(item, `${path}.get(${describeKey(key)})`)}]`;
	}
	return `[${jsonStringify(key)},${encodeState(item, `${path}.${key as string}`)}]`;
}
