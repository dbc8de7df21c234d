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
 * own objects are retired (frozen, and a Map's or Set's methods that change it refuse), so that
 * a write through a reference kept from before fails loudly instead of being lost.
 */

import { type FieldHeader, type PlanContext, type FieldPlan as PlanOf, WATCH_MIN_ENTRIES } from "./field-layout.ts";
import { isRetired } from "./state-codec.ts";
import { CollectionField } from "./stored-collection.ts";
import { ValueField } from "./stored-value.ts";
import type { Collection, CollectionKind } from "./watched.ts";

export {
	CHUNK_CHARS,
	type FieldHeader,
	KEPT,
	type PlanContext,
	WATCH_MIN_ENTRIES,
} from "./field-layout.ts";
export { CollectionField, ValueField };

export type StoredField = ValueField | CollectionField;

/** The writes that store one field, committing to its stored form, whichever layout it has. */
export type FieldPlan = PlanOf<StoredField>;

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
