/**
 * Reconnection delays: exponential backoff with full jitter. Full jitter (a uniform draw in
 * [0, ceiling)) spreads a crowd of clients that lost the same server, so they do not all come
 * back in the same instant when it restarts.
 */

/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
	/** The ceiling of the first delay, in milliseconds. Default 250. */
	readonly baseMs?: number;
	/** The largest ceiling any delay may have, in milliseconds. Default 30 000. */
	readonly capMs?: number;
}

export const DEFAULT_BACKOFF = { baseMs: 250, capMs: 30_000 } as const satisfies Required<BackoffOptions>;

/** A source of uniform numbers in [0, 1), like `Math.random`. Injected in tests. */
export type Random = () => number;

/**
 * The delay before reconnection attempt `attempt` (0 for the first retry after a drop):
 * `random() * min(cap, base * 2^attempt)`.
 *
 * @example
 * backoffDelay(3, { baseMs: 100, capMs: 1000 }, () => 0.5); // 400: half of min(1000, 800)
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: Random = Math.random): number {
	return Math.floor(random() * backoffCeiling(attempt, options));
}

/** The largest delay attempt `attempt` can draw: `min(cap, base * 2^attempt)`. */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
	const { baseMs, capMs } = resolveBackoff(options);
	// 2^attempt overflows to Infinity for large attempts; min() keeps the cap.
	return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

export function resolveBackoff(options: BackoffOptions): Required<BackoffOptions> {
	const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
	const capMs = options.capMs ?? DEFAULT_BACKOFF.capMs;
	if (!(baseMs >= 0) || !(capMs >= 0)) {
		throw new RangeError(
			`Invalid backoff { baseMs: ${baseMs}, capMs: ${capMs} }: both must be non-negative numbers of milliseconds.`,
		);
	}
	return { baseMs, capMs };
}

/** When to give up, and when a connection counts as having recovered. */
export interface RetryOptions {
	/** Consecutive failed attempts after which to give up. Default: never. */
	readonly maxRetries?: number;
	/** A connection open this long resets the backoff to its first step. Default 5000 ms. */
	readonly stableMs?: number;
}

/**
 * The retry schedule of one connection: counts consecutive failures, draws each delay, and
 * forgets the failures once a connection has stayed open for `stableMs` (a connection that
 * opens and drops at once, like a service that fails to start, keeps backing off).
 */
export class Backoff {
	readonly #options: Required<BackoffOptions> & Required<RetryOptions>;
	readonly #random: Random;
	readonly #now: () => number;
	#attempt = 0;
	#openedAt: number | undefined;

	constructor(options: BackoffOptions & RetryOptions = {}, random: Random = Math.random, now: () => number = Date.now) {
		this.#options = {
			...resolveBackoff(options),
			maxRetries: options.maxRetries ?? Number.POSITIVE_INFINITY,
			stableMs: options.stableMs ?? 5000,
		};
		this.#random = random;
		this.#now = now;
	}

	/** Consecutive failed attempts so far. */
	get attempt(): number {
		return this.#attempt;
	}

	/** True once `maxRetries` attempts have failed in a row. */
	get exhausted(): boolean {
		return this.#attempt >= this.#options.maxRetries;
	}

	/** A connection opened. */
	opened(): void {
		this.#openedAt = this.#now();
	}

	/** A connection (or an attempt) ended: a stable one resets the count. */
	ended(): void {
		if (this.#openedAt !== undefined && this.#now() - this.#openedAt >= this.#options.stableMs) this.#attempt = 0;
		this.#openedAt = undefined;
	}

	/** Counts a failure and returns the delay before the next attempt. */
	next(): number {
		const delay = backoffDelay(this.#attempt, this.#options, this.#random);
		this.#attempt++;
		return delay;
	}

	reset(): void {
		this.#attempt = 0;
		this.#openedAt = undefined;
	}
}
