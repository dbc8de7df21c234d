/**
 * A TypeScript room's stored state as a whole: its fields by name (see stored-fields.ts), what
 * to write after an event, what to restore after a wake or a failed event, and how many bytes
 * storage holds (kept up to date as fields change, so that a quota costs nothing to check).
 *
 * Format 2 (`ts/format` = 2) stores each field under its own keys. Format 1, written before,
 * kept the whole state as one snapshot in chunks (`ts/chunks`, `ts/chunk/<n>`): such a room is
 * read as it was and rewritten in format 2 by its first successful event.
 */
import type { StateWrites } from "../engine.ts";
import { NO_WRITES } from "../engine.ts";
import { jsonParse, stringIncludes } from "../intrinsics.ts";
import { decodeState } from "./state-codec.ts";
import { Places } from "./state-places.ts";
import {
	type FieldHeader,
	type FieldPlan,
	KEPT,
	type PlanContext,
	planField,
	readField,
	releaseField,
	type StoredField,
	ValueField,
} from "./stored-fields.ts";

export const FORMAT_KEY = "ts/format";
const FORMAT = 2;
const FIELD_PREFIX = "ts/f/";
/** Where the value of a service's own `save()` lives (it has no fields of its own). */
const SAVE_BASE = "ts/save";
const LEGACY_COUNT_KEY = "ts/chunks";
const legacyChunkKey = (index: number) => `ts/chunk/${index}`;

/** The name under which `save()`'s value is kept among the fields. */
export const SAVED = "";

const baseOf = (name: string) => (name === SAVED ? SAVE_BASE : FIELD_PREFIX + encodeURIComponent(name));

export class StoredState {
	/** Where each stored object lives, and whether an event runs (see state-places.ts). */
	readonly places = new Places();
	readonly #fields: Map<string, StoredField>;
	/** A format 1 snapshot, until the first checkpoint rewrites it in format 2. */
	#legacy: { readonly text: string; readonly chunks: number } | undefined;
	#formatStored: boolean;

	private constructor(
		fields: Map<string, StoredField>,
		legacy: { text: string; chunks: number } | undefined,
		formatStored: boolean,
	) {
		this.#fields = fields;
		this.#legacy = legacy;
		this.#formatStored = formatStored;
	}

	/** Reads the state from the engine's stored keys (empty for a new room). */
	static read(stored: ReadonlyMap<string, unknown>): StoredState {
		const legacy = readLegacy(stored);
		const format = stored.get(FORMAT_KEY);
		if (format !== undefined && format !== FORMAT) {
			throw new Error(
				`The stored state has format ${String(format)}; this version of Stateroom reads format ${FORMAT}. It was written by a newer version.`,
			);
		}
		const fields = new Map<string, StoredField>();
		for (const [key, value] of stored) {
			const name =
				key === SAVE_BASE ? SAVED : key.startsWith(FIELD_PREFIX) ? key.slice(FIELD_PREFIX.length) : undefined;
			if (name === undefined || stringIncludes(name, "/")) continue;
			const decoded = name === SAVED ? SAVED : decodeURIComponent(name);
			fields.set(decoded, readField(key, value as FieldHeader, stored));
		}
		return new StoredState(fields, legacy, format === FORMAT);
	}

	/** Bytes that storage holds for this state, roughly (characters of keys and values). */
	get bytes(): number {
		let sum = this.#legacy?.text.length ?? 0;
		for (const field of this.#fields.values()) sum += field.bytes;
		return sum;
	}

	/**
	 * What an operator sees: the stored JSON (tags for Map, Set, Date, ... included), by field,
	 * or `save()`'s value; `null` for a room that stored nothing.
	 */
	inspect(): { storedChars: number; state: unknown } {
		if (this.#legacy !== undefined)
			return { storedChars: this.#legacy.text.length, state: jsonParse(this.#legacy.text) };
		const saved = this.#fields.get(SAVED);
		const state =
			this.#fields.size === 0
				? null
				: saved
					? saved.json()
					: Object.fromEntries([...this.#fields].map(([name, field]) => [name, field.json()]));
		return { storedChars: this.bytes, state };
	}

	/**
	 * The stored values by field name (`SAVED` for a `save()` value), built afresh: fields hold
	 * Stateroom's own objects, handed out as state proxies. `undefined` if nothing was ever stored.
	 */
	restore(saveMode: boolean, pathOf: (name: string) => string): Map<string, unknown> | undefined {
		if (this.#legacy !== undefined) {
			// Rewritten (and adopted) in format 2 by the first checkpoint.
			const value = decodeState(this.#legacy.text);
			return saveMode ? new Map([[SAVED, value]]) : new Map(Object.entries(value as Record<string, unknown>));
		}
		if (this.#fields.size === 0) return undefined;
		const values = new Map<string, unknown>();
		for (const [name, field] of this.#fields) {
			// A save() value is restore()'s to keep: it is not watched.
			values.set(
				name,
				name === SAVED && field instanceof ValueField
					? field.materialize()
					: field.materialize(this.places, pathOf(name)),
			);
		}
		return values;
	}

	/**
	 * What to write so that storage holds `values`, field by field, and which fields the service
	 * must now hold Stateroom's own copy of (see stored-fields.ts). Nothing is adopted until every
	 * field has been planned and every object claimed: an unstorable field, or one object at two
	 * places, throws and leaves the stored state as it was (the engine then rolls back).
	 */
	checkpoint(
		values: ReadonlyMap<string, unknown>,
		pathOf: (name: string) => string,
	): { writes: StateWrites; replaced: Map<string, unknown> } {
		const ctx: PlanContext = { places: this.places, claims: [] };
		const plans: [string, FieldPlan][] = [];
		for (const [name, value] of values) {
			const plan = planField(this.#fields.get(name), baseOf(name), value, pathOf(name), name !== SAVED, ctx);
			if (plan) plans.push([name, plan]);
		}
		const gone = [...this.#fields.keys()].filter((name) => !values.has(name));
		for (const name of gone) releaseField(this.#fields.get(name));
		for (const [place, found] of ctx.claims) this.places.claim(place, found);
		if (plans.length === 0 && gone.length === 0 && this.#formatStored)
			return { writes: NO_WRITES, replaced: new Map() };

		const put = new Map<string, unknown>();
		const deletes = new Set<string>();
		for (const [, plan] of plans) {
			for (const [key, value] of plan.put) put.set(key, value);
			for (const key of plan.delete) deletes.add(key);
		}
		for (const name of gone) for (const key of this.#fields.get(name)?.keys() ?? []) deletes.add(key);
		if (!this.#formatStored) put.set(FORMAT_KEY, FORMAT);
		if (this.#legacy !== undefined) {
			deletes.add(LEGACY_COUNT_KEY);
			for (let index = 0; index < this.#legacy.chunks; index++) deletes.add(legacyChunkKey(index));
		}
		for (const key of put.keys()) deletes.delete(key);

		const replaced = new Map<string, unknown>();
		for (const [name, plan] of plans) {
			const field = plan.commit();
			this.#fields.set(name, field);
			const value = field.settle(this.places);
			if (value !== KEPT) replaced.set(name, value);
		}
		for (const name of gone) this.#fields.delete(name);
		this.#formatStored = true;
		this.#legacy = undefined;
		const nothing = put.size === 0 && deletes.size === 0;
		return { writes: nothing ? NO_WRITES : { put, delete: [...deletes] }, replaced };
	}
}

function readLegacy(stored: ReadonlyMap<string, unknown>): { text: string; chunks: number } | undefined {
	const count = stored.get(LEGACY_COUNT_KEY);
	if (typeof count !== "number") return undefined;
	let text = "";
	for (let index = 0; index < count; index++) {
		const chunk = stored.get(legacyChunkKey(index));
		if (typeof chunk !== "string") throw new Error(`Stored state is missing chunk ${index} of ${count}.`);
		text += chunk;
	}
	return { text, chunks: count };
}
