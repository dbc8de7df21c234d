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
 *
 * Every object of a field (or entry) is Stateroom's own once the event that stored it ends:
 * the service's objects are replaced by a copy decoded from what was stored ("adopted"), so
 * that a room that was evicted and one that was not hold exactly the same state, and the
 * service reaches the copies only through state proxies, which note every write. The service's
 * own objects are retired: plain objects and arrays are frozen, so that a write through a
 * reference kept from before fails loudly instead of being lost.
 */
import {
	checkCollection,
	decodeParsed,
	decodeState,
	describeKey,
	encodeState,
	isRetired,
	retire as retireObject,
} from "./state-codec.ts";
import { type Found, Place, type Places } from "./state-places.ts";
import { unwrap } from "./state-proxies.ts";
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

/** What planning needs of the room's state, and the claims it leaves to make. */
export interface PlanContext {
	readonly places: Places;
	/**
	 * The objects each encoded place holds, claimed once every field is planned: a place
	 * gives up its old claims as it is encoded, so an object moved between two places is not
	 * mistaken for an alias, whichever is planned first.
	 */
	readonly claims: [Place, Found][];
}

/** A field's value as the service should now hold it, when adoption replaced it. */
export const KEPT: unique symbol = Symbol("kept");

export type StoredField = ValueField | CollectionField;

const partKey = (base: string, index: number) => `${base}/${index}`;
/** What a header costs in storage, roughly: its key and a small object. */
const headerBytes = (base: string) => base.length + 48;

/**
 * Plans the writes that store `value` in the field at `base`, given how it is stored now
 * (`undefined` for a new field); `undefined` if the field is as Stateroom last handed it out
 * and nothing was written through it since. `isField` is false for a `save()` value, which is
 * stored whole and never adopted. Throws an `UnstorableStateError` naming `path` when the
 * value cannot be stored.
 */
export function planField(
	stored: StoredField | undefined,
	base: string,
	value: unknown,
	path: string,
	isField: boolean,
	ctx: PlanContext,
): FieldPlan | undefined {
	if (stored instanceof CollectionField && value === stored.watched?.proxy) {
		const plan = stored.planUpdate(path, ctx);
		if (plan !== "too big") return plan;
		return replace(stored, ValueField.encode(base, value, path, isField, ctx));
	}
	if (stored instanceof ValueField && stored.unchanged(value)) return undefined;
	const kind = isField ? watchableKind(value) : undefined;
	if (kind !== undefined) {
		const field = CollectionField.encode(base, kind, value as Collection, path, ctx);
		if (field !== undefined) return replace(stored, field);
	}
	if (stored instanceof ValueField) return stored.planUpdate(value, path, isField, ctx);
	return replace(stored, ValueField.encode(base, value, path, isField, ctx));
}

/** Gives up a field that is gone or replaced: its objects are no longer held. */
export function releaseField(stored: StoredField | undefined): void {
	stored?.place.release();
}

/** Reads a field stored at `base` from the engine's stored keys. */
export function readField(base: string, header: FieldHeader, stored: ReadonlyMap<string, unknown>): StoredField {
	if (header.kind === "value") return ValueField.read(base, header.chunks, stored);
	return CollectionField.read(base, header, stored);
}

/**
 * Retires the service's own objects that a place held before it was adopted: plain objects and
 * arrays are frozen, so a write through a reference kept from before fails instead of being
 * lost. (A Map, Set, Date or typed array cannot be frozen; changing one of those is simply no
 * longer a change to the state.)
 */
function retire(found: Found, places: Places): void {
	for (const object of found.keys()) {
		if (places.isHidden(object)) continue;
		const prototype = Object.getPrototypeOf(object) as unknown;
		if (Array.isArray(object) || prototype === Object.prototype || prototype === null) retireObject(object);
	}
}

/**
 * Which collection kind a value would be watched as, if it is large enough to be worth it. A
 * frozen one is stored whole, so that it comes back frozen.
 */
function watchableKind(value: unknown): CollectionKind | undefined {
	if (typeof value === "object" && value !== null && !Object.isExtensible(value) && !isRetired(value)) return undefined;
	if (Array.isArray(value)) return value.length >= WATCH_MIN_ENTRIES ? "list" : undefined;
	if (value instanceof Map) return value.size >= WATCH_MIN_ENTRIES ? "map" : undefined;
	if (typeof value !== "object" || value === null) return undefined;
	// A prototype-less object is stored whole, so that it comes back without a prototype.
	if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
	return Object.keys(value).length >= WATCH_MIN_ENTRIES ? "object" : undefined;
}

/** Writes a field afresh in a new layout, deleting whatever its old layout stored. */
function replace(stored: StoredField | undefined, field: StoredField): FieldPlan {
	releaseField(stored);
	const put = field.allWrites();
	const old = stored?.keys() ?? [];
	return { put, delete: old.filter((key) => !put.has(key)), commit: () => field };
}

/** A field stored whole, in chunks. */
export class ValueField {
	readonly place: Place;
	/** What the service was last given (a state proxy or a primitive), or KEPT before that. */
	#exposed: unknown = KEPT;
	/** Set by a write through one of this field's state proxies since the last checkpoint. */
	#dirty = false;
	/** The last encoding's objects and path, for `settle`. */
	#encoded: { readonly value: unknown; readonly found: Found; readonly path: string } | undefined;

	private constructor(
		readonly base: string,
		private chunks: string[],
		/** Whether storage holds this field's header (a new field's does not, yet). */
		private headerStored: boolean,
	) {
		this.place = new Place(undefined, () => {
			this.#dirty = true;
		});
	}

	static encode(base: string, value: unknown, path: string, isField: boolean, ctx: PlanContext): ValueField {
		const field = new ValueField(base, [], false);
		field.chunks = split(field.encodeValue(value, path, isField, ctx));
		return field;
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

	/** Whether `value` is what the service was last given, with nothing written through it since. */
	unchanged(value: unknown): boolean {
		return !this.#dirty && this.#exposed !== KEPT && Object.is(value, this.#exposed);
	}

	/**
	 * The field's value as stored, decoded afresh. For a field (not a `save()` value) it is
	 * Stateroom's own, claimed, and handed out as a state proxy.
	 */
	materialize(places?: Places, path = ""): unknown {
		if (places === undefined) return decodeState(this.chunks.join(""));
		const found: Found = new Map();
		const value = decodeState(this.chunks.join(""), path, found);
		places.hide(found);
		this.place.release();
		places.claim(this.place, found);
		this.#exposed = places.expose(value);
		this.#dirty = false;
		return this.#exposed;
	}

	keys(): string[] {
		return [this.base, ...this.chunks.map((_, index) => partKey(this.base, index))];
	}

	/** The stored JSON, parsed (tags included). */
	json(): unknown {
		return JSON.parse(this.chunks.join(""));
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
	planUpdate(value: unknown, path: string, isField: boolean, ctx: PlanContext): FieldPlan {
		const chunks = split(this.encodeValue(value, path, isField, ctx));
		const put = new Map<string, unknown>();
		chunks.forEach((chunk, index) => {
			if (chunk !== this.chunks[index]) put.set(partKey(this.base, index), chunk);
		});
		const deletes: string[] = [];
		for (let index = chunks.length; index < this.chunks.length; index++) deletes.push(partKey(this.base, index));
		if (chunks.length !== this.chunks.length || !this.headerStored) {
			put.set(this.base, { kind: "value", chunks: chunks.length } satisfies FieldHeader);
		}
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

	/**
	 * After the commit: what the service should now hold. If the value held objects of the
	 * service's own, they are replaced by Stateroom's copy (returned) and retired; KEPT if the
	 * service keeps what it has.
	 */
	settle(places: Places): unknown {
		const encoded = this.#encoded;
		this.#encoded = undefined;
		this.#dirty = false;
		if (encoded === undefined) return KEPT;
		if (places.allHidden(encoded.found)) {
			this.#exposed = encoded.value;
			return KEPT;
		}
		const exposed = this.materialize(places, encoded.path);
		retire(encoded.found, places);
		return exposed;
	}

	private encodeValue(value: unknown, path: string, isField: boolean, ctx: PlanContext): string {
		const found: Found = new Map();
		const text = encodeState(value, path, found);
		this.place.release();
		ctx.claims.push([this.place, found]);
		this.#encoded = isField ? { value, found, path } : undefined;
		return text;
	}

	private header(): FieldHeader {
		return { kind: "value", chunks: this.chunks.length };
	}
}

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
			for (const [slot, entry] of JSON.parse(value) as [number, unknown][]) slots.push([slot, JSON.stringify(entry)]);
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
		const entries = slots.map(([, text]) => JSON.parse(text) as unknown);
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
	planUpdate(path: string, ctx: PlanContext): FieldPlan | undefined | "too big" {
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
		const entry = JSON.parse(this.entries.get(slot) as string) as unknown;
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
	return Math.floor(slot / BUCKET_SLOTS);
}

function* range(start: number, end: number): Iterable<number> {
	for (let index = start; index < end; index++) yield index;
}

function split(text: string): string[] {
	const chunks: string[] = [];
	for (let start = 0; start < text.length; start += CHUNK_CHARS) chunks.push(text.slice(start, start + CHUNK_CHARS));
	return chunks.length === 0 ? [""] : chunks;
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
	return `[${JSON.stringify(key)},${encodeState(item, `${path}.${key as string}`, found)}]`;
}
