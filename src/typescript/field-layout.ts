/**
 * What every stored field shares (state format 2): the limits of its layout, its header, the
 * plan of an event's writes, and retiring the service's own objects once Stateroom holds its copy.
 */
import { retire as retireObject } from "./state-codec.ts";
import type { Found, Place, Places } from "./state-places.ts";

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

/**
 * The writes that bring one field's storage up to date, and how to adopt them once committed.
 * `Field` is the stored field it commits to (each layout names its own, so this module needs
 * none of them: stored-fields.ts gathers them).
 */
export interface FieldPlan<Field> {
	readonly put: Map<string, unknown>;
	readonly delete: string[];
	/** The field as stored once the writes are committed (a new object when the layout changed). */
	commit(): Field;
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

export const partKey = (base: string, index: number) => `${base}/${index}`;
/** What a header costs in storage, roughly: its key and a small object. */
export const headerBytes = (base: string) => base.length + 48;

/**
 * Retires the service's own objects that a place held before it was adopted, so that a write
 * through a reference kept from before fails instead of being lost (see `retire` in the codec).
 */
export function retire(found: Found, places: Places): void {
	for (const object of found.keys()) if (!places.isHidden(object)) retireObject(object);
}
