/**
 * The state quota: a room's stored service state may not grow beyond the service's
 * `limits.maxStateBytes`, whatever its clients send. The check looks at what the engine's
 * checkpoint is about to write, not at how the engine encodes its state, so it holds for any
 * storage layout an engine chooses (a whole snapshot, chunks, or only the keys that changed).
 *
 * Sizes are counted as the storage API would hold them: each key's UTF-8 bytes plus its
 * value's (UTF-8 bytes of a string, `byteLength` of binary data, 8 bytes per number, and the
 * sum of the parts of an array or object).
 */

import type { StateWrites } from "../engine.ts";
import type { ServiceName } from "../naming.ts";

/** The size of every stored key of a room's state, kept up to date as events commit. */
export class StateSizes {
	readonly #sizes = new Map<string, number>();
	#total = 0;
	/** The last writes measured by `after`, so that `apply` need not measure them again. */
	#measured: { writes: StateWrites; sizes: Map<string, number> } | undefined;

	/** Bytes the stored state takes now. */
	get total(): number {
		return this.#total;
	}

	/** Starts over from what storage holds (when a room loads its state). */
	reset(stored: ReadonlyMap<string, unknown>): void {
		this.#sizes.clear();
		this.#total = 0;
		this.#measured = undefined;
		for (const [key, value] of stored) this.#set(key, entrySize(key, value));
	}

	/** Bytes the stored state would take once `writes` were applied. */
	after(writes: StateWrites): number {
		const sizes = this.#sizesOf(writes);
		let total = this.#total;
		for (const [key, size] of sizes) total += size - (this.#sizes.get(key) ?? 0);
		for (const key of writes.delete) if (!sizes.has(key)) total -= this.#sizes.get(key) ?? 0;
		return total;
	}

	/** Records that `writes` were committed: puts first, then deletes, as storage applies them. */
	apply(writes: StateWrites): void {
		for (const [key, size] of this.#sizesOf(writes)) this.#set(key, size);
		for (const key of writes.delete) this.#set(key, undefined);
		this.#measured = undefined;
	}

	#sizesOf(writes: StateWrites): Map<string, number> {
		if (this.#measured?.writes === writes) return this.#measured.sizes;
		const sizes = new Map<string, number>();
		for (const [key, value] of writes.put) sizes.set(key, entrySize(key, value));
		this.#measured = { writes, sizes };
		return sizes;
	}

	#set(key: string, size: number | undefined): void {
		this.#total -= this.#sizes.get(key) ?? 0;
		if (size === undefined) {
			this.#sizes.delete(key);
		} else {
			this.#sizes.set(key, size);
			this.#total += size;
		}
	}
}

/** The error an event fails with when the state it leaves would not fit the quota. */
export class StateQuotaError extends Error {
	constructor(
		readonly service: ServiceName,
		readonly bytes: number,
		readonly limit: number,
	) {
		super(
			`its state would take ${bytes} bytes, over the service's quota of ${limit} bytes (limits.maxStateBytes). ` +
				`Fix: keep less in the service's fields (drop old entries, or list caches in \`static transient\`), ` +
				`or raise \`limits.maxStateBytes\` for "${service}" in defineServices.`,
		);
		this.name = "StateQuotaError";
	}
}

/**
 * Refuses state that would end over the quota. A room already over it (after its quota was
 * lowered) may still shrink, so that it is never stuck refusing every event.
 */
export function checkStateQuota(service: ServiceName, before: number, after: number, limit: number): void {
	if (after > limit && after > before) throw new StateQuotaError(service, after, limit);
}

function entrySize(key: string, value: unknown): number {
	return utf8Bytes(key) + valueSize(value, 0);
}

/** Deeper structures are counted at a flat rate: engines store flat values. */
const MAX_DEPTH = 32;

function valueSize(value: unknown, depth: number): number {
	if (typeof value === "string") return utf8Bytes(value);
	if (typeof value === "bigint") return value.toString().length;
	if (value === null || typeof value !== "object") return 8;
	if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
	if (depth >= MAX_DEPTH) return 8;
	let size = 0;
	if (value instanceof Map) {
		for (const [key, item] of value) size += valueSize(key, depth + 1) + valueSize(item, depth + 1);
	} else if (Array.isArray(value) || value instanceof Set) {
		for (const item of value) size += valueSize(item, depth + 1);
	} else {
		for (const [key, item] of Object.entries(value)) size += utf8Bytes(key) + valueSize(item, depth + 1);
	}
	return size;
}

const NON_ASCII = /[^\0-\x7f]/;

/** UTF-8 length without encoding: 1 to 3 bytes per UTF-16 unit, 4 per surrogate pair. */
function utf8Bytes(text: string): number {
	// Most state is ASCII (JSON); the regular expression scans it several times faster than a loop.
	if (!NON_ASCII.test(text)) return text.length;
	let bytes = text.length;
	for (let index = 0; index < text.length; index++) {
		const unit = text.charCodeAt(index);
		if (unit < 0x80) continue;
		bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
	}
	return bytes;
}
