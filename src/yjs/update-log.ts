/**
 * How a Yjs room lays its updates out in its state so that storing one costs what the update
 * costs, not what the document costs.
 *
 * The log is a field holding an array of {@link LOG_SLOTS} slots, mostly holes. An array that
 * long is stored entry by entry, in buckets of {@link BUCKET_SLOTS} slots (see "How state is
 * stored" in docs/services.md), so writing one slot rewrites one bucket, never the document.
 * Each slot holds one piece of an update: a flag byte (1 when more pieces of the same update
 * follow, 0 on its last piece) and at most {@link PIECE_BYTES} bytes of it. A piece that would
 * take its bucket past {@link BUCKET_BYTES} starts the next bucket instead, so a bucket always
 * fits in one stored value and a small update never rewrites a large neighbour.
 */
import { BUCKET_SLOTS, CHUNK_CHARS } from "../typescript/field-layout.ts";

export { BUCKET_SLOTS };

/** Slots in the log; a room compacts before they run out. */
export const LOG_SLOTS = 1024;
/**
 * Bytes of pieces one bucket holds at most. Stored as base64 (4 characters per 3 bytes) with
 * a few characters of framing per slot, a full bucket stays within one stored value.
 */
export const BUCKET_BYTES = Math.floor((CHUNK_CHARS * 3) / 4 / 2);
/** The largest piece: an update larger than this is stored in several slots. */
export const PIECE_BYTES = BUCKET_BYTES;
/** A log smaller than this is never compacted for its size alone. */
export const COMPACT_MIN_BYTES = 64 * 1024;

const MORE = 1;
const LAST = 0;

/** Where the next piece goes: the slot after the last, or the start of the next bucket if it would not fit. */
export function placePiece(next: number, bucketBytes: number, size: number): { slot: number; bucketBytes: number } {
	const offset = next % BUCKET_SLOTS;
	const used = offset === 0 ? 0 : bucketBytes;
	if (used > 0 && used + size > BUCKET_BYTES) return { slot: next - offset + BUCKET_SLOTS, bucketBytes: size };
	return { slot: next, bucketBytes: used + size };
}

/** An update cut into the pieces its slots hold, each with its flag byte. */
export function toPieces(update: Uint8Array): Uint8Array[] {
	const pieces: Uint8Array[] = [];
	for (let start = 0; start < update.length || start === 0; start += PIECE_BYTES) {
		const end = Math.min(start + PIECE_BYTES, update.length);
		const piece = new Uint8Array(end - start + 1);
		piece[0] = end < update.length ? MORE : LAST;
		piece.set(update.subarray(start, end), 1);
		pieces.push(piece);
		if (end >= update.length) break;
	}
	return pieces;
}

/** The updates of a log, in order, rebuilt from their pieces; `slots` reads a slot (holes are `undefined`). */
export function* fromPieces(next: number, slots: (slot: number) => Uint8Array | undefined): Iterable<Uint8Array> {
	let parts: Uint8Array[] = [];
	for (let slot = 0; slot < next; slot++) {
		const piece = slots(slot);
		if (piece === undefined || piece.length === 0) continue;
		parts.push(piece.subarray(1));
		if (piece[0] === MORE) continue;
		yield concat(parts);
		parts = [];
	}
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
	if (parts.length === 1) return parts[0] as Uint8Array;
	const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		whole.set(part, offset);
		offset += part.length;
	}
	return whole;
}
