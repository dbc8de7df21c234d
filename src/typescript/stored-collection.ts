/**
 * A large array, Map or plain object (state format 2), stored entry by entry: entries live in
 * buckets of 64 slots, and only the buckets of entries whose encoding changed are written.
 */

import { floor, jsonParse, jsonStringify } from "../intrinsics.ts";
import {
	BUCKET_SLOTS,
	CHUNK_CHARS,
	type FieldHeader,
	type FieldPlan,
	headerBytes,
	KEPT,
	type PlanContext,
	partKey,
	retire,
} from "./field-layout.ts";
import { checkCollection, decodeParsed, describeKey, encodeState } from "./state-codec.ts";
import { type Found, Place, type Places } from "./state-places.ts";
import { unwrap } from "./state-proxies.ts";
import { type Collection, type CollectionKind, type Watched, watch } from "./watched.ts";

/** A large array, Map or plain object, stored entry by entry in buckets. */
export class CollectionField {
	/** The field: its claim covers the collection itself, and voids its entries' claims when released. */
	readonly place = new Place();
	/** The live collection the service sees; rebuilt by `materialize`. */
	watched: Watched | undefined;
	/** Map keys and property names by slot (lists use the index as the slot). */
	#slotOf = new Map<unknown, number>();
	/** Stored characters of each bucket, for the running size. */
	readonly #bucketBytes = new Map<number, number>();
	/** Each entry's place, by slot, made when the entry first holds an object. */
	#entryPlaces = new Map<number, Place>();
	/** The field's path, for errors and claims. */
	#path = "";
	/** The service's own objects that `encode` stored, retired once the copy is made. */
	#originals: Found[] = [];
	/** Entries whose objects are the service's own, to replace by copies after the commit. */
	#adopt: [slot: number, key: unknown, found: Found][] = [];

	private constructor(
		readonly base: string,
		readonly kind: CollectionKind,
		/** Each entry's stored encoding, by slot, as of the last commit. */
		private readonly entries: Map<number, string>,
		/** A list's length, or the next unused slot of a Map or object. */
		private size: number,
	) {}

	/** Encodes every entry of a collection; `undefined` if a bucket would be too big to store. */
	static encode(
		base: string,
		kind: CollectionKind,
		value: Collection,
		path: string,
		ctx: PlanContext,
	): CollectionField | undefined {
		const entries = new Map<number, string>();
		const field = new CollectionField(base, kind, entries, 0);
		field.#path = path;
		const raw = unwrap(value);
		checkCollection(raw, path);
		const claimed = ctx.claims.length;
		const container: Found = new Map([[raw, path]]);
		ctx.claims.push([field.place, container]);
		field.#originals.push(container);
		let slot = 0;
		for (const [key, item] of entriesOf(kind, raw)) {
			if (item === HOLE) {
				slot += 1;
				continue;
			}
			const found: Found = new Map();
			entries.set(slot, encodeEntry(kind, key, item, path, found));
			if (found.size > 0) {
				ctx.claims.push([field.entryPlace(slot, key), found]);
				field.#originals.push(found);
			}
			if (kind !== "list") field.#slotOf.set(key, slot);
			slot += 1;
		}
		field.size = slot;
		for (const bucket of new Set([...entries.keys()].map(bucketOf))) {
			const text = field.bucketText(bucket, (slot) => entries.get(slot));
			if (text.length > CHUNK_CHARS) {
				ctx.claims.length = claimed;
				return undefined;
			}
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
	materialize(places: Places, path: string): Collection {
		this.#path = path;
		this.place.release();
		this.#entryPlaces = new Map();
		const target: Collection = this.kind === "list" ? new Array(this.size) : this.kind === "map" ? new Map() : {};
		this.#slotOf = new Map();
		for (const slot of this.entries.keys()) {
			const [key, value] = this.decodeEntry(slot, places);
			if (this.kind === "list") (target as unknown[])[slot] = value;
			else if (this.kind === "map") (target as Map<unknown, unknown>).set(key, value);
			else defineEntry(target as Record<string, unknown>, key as string, value);
			if (this.kind !== "list") this.#slotOf.set(key, slot);
		}
		this.watched = watch(this.kind, target, places, path);
		places.claim(this.place, new Map([[target, path]]));
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
	planUpdate(path: string, ctx: PlanContext): FieldPlan<CollectionField> | undefined | "too big" {
		const watched = this.watched as Watched;
		const claimed = ctx.claims.length;
		const changed = new Map<number, string>();
		const removed = new Set<number>();
		const added = new Map<unknown, number>();
		const adopt: [number, unknown, Found][] = [];
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
				this.#entryPlaces.get(slot)?.release();
				slot = undefined;
			}
			if (!present) {
				// A hole in a list: whatever the slot held is gone.
				if (this.kind === "list" && this.entries.has(key as number)) {
					removed.add(key as number);
					this.#entryPlaces.get(key as number)?.release();
				}
				return;
			}
			const found: Found = new Map();
			const text = encodeEntry(this.kind, key, entryValue(this.kind, watched.target, key), path, found);
			const target = slot ?? size++;
			if (slot === undefined) added.set(key, target);
			this.#entryPlaces.get(target)?.release();
			if (found.size > 0) {
				ctx.claims.push([this.entryPlace(target, key), found]);
				if (!ctx.places.allHidden(found)) adopt.push([target, key, found]);
			}
			removed.delete(target);
			if (text !== this.entries.get(target)) changed.set(target, text);
		};
		if (this.kind === "list") {
			const length = (watched.target as unknown[]).length;
			const indexes = watched.touches.all ? range(0, length) : (watched.touches.keys as Set<number>);
			for (const index of indexes) if (index < length) consider(index);
			// Growth through `length` touches no index; shrinking deletes the tail.
			for (let index = this.size; index < length; index++) if (!changed.has(index)) consider(index);
			for (let index = length; index < this.size; index++) {
				removed.add(index);
				this.#entryPlaces.get(index)?.release();
			}
			size = length;
		} else {
			const keys = watched.touches.all
				? new Set([...keysOf(this.kind, watched.target), ...this.#slotOf.keys()])
				: watched.touches.keys;
			for (const key of keys) consider(key);
		}
		watched.touches.reset();
		if (changed.size === 0 && removed.size === 0 && size === this.size && adopt.length === 0) return undefined;

		const lookup = (slot: number) => changed.get(slot) ?? (removed.has(slot) ? undefined : this.entries.get(slot));
		const put = new Map<string, unknown>();
		const deletes: string[] = [];
		const bucketBytes = new Map<number, number>();
		for (const bucket of new Set([...changed.keys(), ...removed].map(bucketOf))) {
			const text = this.bucketText(bucket, lookup);
			if (text.length > CHUNK_CHARS) {
				ctx.claims.length = claimed;
				return "too big";
			}
			if (text === "[]") deletes.push(partKey(this.base, bucket));
			else put.set(partKey(this.base, bucket), text);
			bucketBytes.set(bucket, text === "[]" ? 0 : text.length);
		}
		if (size !== this.size) put.set(this.base, this.header(size));
		return {
			put,
			delete: deletes,
			commit: () => {
				for (const slot of removed) {
					this.entries.delete(slot);
					this.#entryPlaces.delete(slot);
				}
				for (const [slot, text] of changed) this.entries.set(slot, text);
				for (const key of removedKeys) this.#slotOf.delete(key);
				for (const [key, slot] of added) this.#slotOf.set(key, slot);
				for (const [bucket, chars] of bucketBytes) {
					if (chars === 0) this.#bucketBytes.delete(bucket);
					else this.#bucketBytes.set(bucket, chars);
				}
				this.size = size;
				this.#adopt = adopt;
				return this;
			},
		};
	}

	/**
	 * After the commit: a collection stored afresh is rebuilt from storage (returned, for the
	 * service to hold instead of its own); entries that held the service's own objects are
	 * replaced by copies. KEPT if the service keeps the collection it has.
	 */
	settle(places: Places): unknown {
		if (this.watched === undefined) {
			const proxy = this.materialize(places, this.#path);
			for (const found of this.#originals) retire(found, places);
			this.#originals = [];
			return proxy;
		}
		const adopt = this.#adopt;
		this.#adopt = [];
		let reorder = false;
		for (const [slot, key, found] of adopt) {
			const target = this.watched.target;
			const newKey = this.kind === "map" && typeof key === "object" && key !== null && !places.isHidden(key);
			// A key that is an object of the service's own is replaced too: its entry gets a new place.
			if (newKey) this.#entryPlaces.delete(slot);
			const [copyKey, value] = this.decodeEntry(slot, places);
			if (this.kind === "list") (target as unknown[])[slot] = value;
			else if (this.kind === "object") defineEntry(target as Record<string, unknown>, key as string, value);
			else if (!newKey) (target as Map<unknown, unknown>).set(key, value);
			else {
				// Replacing a key moves its entry to the end of the Map: the order is put back below.
				(target as Map<unknown, unknown>).delete(key);
				(target as Map<unknown, unknown>).set(copyKey, value);
				this.#slotOf.delete(key);
				this.#slotOf.set(copyKey, slot);
				reorder = true;
			}
			retire(found, places);
		}
		if (reorder) this.restoreMapOrder();
		return KEPT;
	}

	/** Decodes the entry at `slot` as Stateroom's own objects, claimed by the entry's place. */
	private decodeEntry(slot: number, places: Places): [unknown, unknown] {
		const entry = jsonParse(this.entries.get(slot) as string) as unknown;
		const found: Found = new Map();
		let key: unknown = slot;
		let value: unknown;
		if (this.kind === "list") {
			value = decodeParsed(entry, `${this.#path}[${slot}]`, found);
		} else {
			const [rawKey, rawValue] = entry as [unknown, unknown];
			key = decodeParsed(rawKey, `${this.#path} (a key)`, this.kind === "map" ? found : undefined);
			const at = this.kind === "map" ? `${this.#path}.get(${describeKey(key)})` : `${this.#path}.${key as string}`;
			value = decodeParsed(rawValue, at, found);
		}
		if (found.size > 0) {
			places.hide(found);
			const place = this.entryPlace(slot, key);
			place.release();
			places.claim(place, found);
		}
		return [key, value];
	}

	/** Puts a Map's entries back in slot order (after one of its keys was replaced by a copy). */
	private restoreMapOrder(): void {
		const map = (this.watched as Watched).target as Map<unknown, unknown>;
		const entries = [...this.#slotOf].sort(([, a], [, b]) => a - b).map(([key]) => [key, map.get(key)] as const);
		map.clear();
		for (const [key, value] of entries) map.set(key, value);
	}

	/** The place of the entry at `slot`; a write through one of its proxies touches `key`. */
	private entryPlace(slot: number, key: unknown): Place {
		let place = this.#entryPlaces.get(slot);
		if (place === undefined) {
			place = new Place(this.place, () => this.watched?.touches.add(key));
			this.#entryPlaces.set(slot, place);
		}
		return place;
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

/** Sets a property as data, so that an own "__proto__" key stays a key. */
function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function bucketOf(slot: number): number {
	return floor(slot / BUCKET_SLOTS);
}

function* range(start: number, end: number): Iterable<number> {
	for (let index = start; index < end; index++) yield index;
}
/** Marks a list's hole in `entriesOf`: holes stay holes. */
const HOLE: unique symbol = Symbol("hole");

function* entriesOf(kind: CollectionKind, value: Collection): Iterable<[unknown, unknown]> {
	if (kind === "list") {
		const list = value as unknown[];
		for (let index = 0; index < list.length; index++) yield [index, index in list ? list[index] : HOLE];
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
	if (kind === "list") return (key as number) < (target as unknown[]).length && (key as number) in target;
	if (kind === "map") return (target as Map<unknown, unknown>).has(key);
	return typeof key === "string" && Object.prototype.propertyIsEnumerable.call(target, key);
}

function entryValue(kind: CollectionKind, target: Collection, key: unknown): unknown {
	if (kind === "list") return (target as unknown[])[key as number];
	if (kind === "map") return (target as Map<unknown, unknown>).get(key);
	return (target as Record<string, unknown>)[key as string];
}

/** An entry's stored text: a list item alone; a Map's or object's `[key, value]` pair. */
function encodeEntry(kind: CollectionKind, key: unknown, item: unknown, path: string, found: Found): string {
	if (kind === "list") return encodeState(item, `${path}[${key as number}]`, found);
	if (kind === "map") {
		return `[${encodeState(key, `${path} (a key)`, found)},${encodeState(item, `${path}.get(${describeKey(key)})`, found)}]`;
	}
	return `[${jsonStringify(key)},${encodeState(item, `${path}.${key as string}`, found)}]`;
}
