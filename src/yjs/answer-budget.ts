/**
 * How many bytes a Yjs room sends a connection in answer to the connection's own requests (sync
 * step 1, an awareness query). A request is a few bytes and its answer may be the whole
 * document, so without a bound one client could make the room send its document, up to the
 * quota, for every message it is allowed: an amplifier. Providers ask once per connection (and
 * again on a `resyncInterval`, when one is set, with their own state vector, so the answer is
 * what they lack plus the document's delete set), far below the budget.
 *
 * A token bucket per connection, in bytes: full at `capacity` when the connection first asks,
 * refilled at `capacity` per `REFILL_MS`. It lives in memory: a room that reloaded (after
 * hibernation, an eviction or a failed event) gives each connection a full budget again, which
 * is what a new connection gets anyway.
 */
import type { ClientId } from "../api/client-id.ts";
import { dateNow, max, min, SafeMap } from "../intrinsics.ts";

/** The time in which an empty budget fills up again. */
export const REFILL_MS = 60_000;

/** The room always lets a connection have this many bytes of answers, however small its document. */
export const MIN_ANSWER_BUDGET_BYTES = 64 * 1024;

/** The budget for a document quota: two whole documents at the quota, and the floor. */
export function answerBudgetBytes(maxDocumentBytes: number): number {
	return 2 * maxDocumentBytes + MIN_ANSWER_BUDGET_BYTES;
}

interface Bucket {
	bytes: number;
	at: number;
}

export class AnswerBudget {
	readonly #capacity: number;
	readonly #buckets = new SafeMap<ClientId, Bucket>();

	constructor(capacity: number) {
		this.#capacity = capacity;
	}

	/** Takes `bytes` from the client's budget; `false` (and nothing taken) when they do not fit. */
	take(client: ClientId, bytes: number, now = dateNow()): boolean {
		let bucket = this.#buckets.get(client);
		if (bucket === undefined) {
			bucket = { bytes: this.#capacity, at: now };
			this.#buckets.set(client, bucket);
		}
		bucket.bytes = min(this.#capacity, bucket.bytes + (max(0, now - bucket.at) / REFILL_MS) * this.#capacity);
		bucket.at = now;
		if (bytes > bucket.bytes) return false;
		bucket.bytes -= bytes;
		return true;
	}

	forget(client: ClientId): void {
		this.#buckets.delete(client);
	}
}
