/** A field stored whole (state format 2): its encoding, split into chunks of 256 Ki characters. */

import { jsonParse } from "../intrinsics.ts";
import {
	CHUNK_CHARS,
	type FieldHeader,
	type FieldPlan,
	headerBytes,
	KEPT,
	type PlanContext,
	partKey,
	retire,
} from "./field-layout.ts";
import { decodeState, encodeState } from "./state-codec.ts";
import { type Found, Place, type Places } from "./state-places.ts";

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
	planUpdate(value: unknown, path: string, isField: boolean, ctx: PlanContext): FieldPlan<ValueField> {
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

function split(text: string): string[] {
	const chunks: string[] = [];
	for (let start = 0; start < text.length; start += CHUNK_CHARS) chunks.push(text.slice(start, start + CHUNK_CHARS));
	return chunks.length === 0 ? [""] : chunks;
}
