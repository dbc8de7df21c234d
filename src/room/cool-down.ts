/**
 * Containment of a room whose events keep burning CPU and failing: one that runs out of fuel
 * (WebAssembly), misses its deadline (TypeScript) or busy-waits on the clock. Every such event
 * holds the isolate for up to its whole budget, and the room's neighbours (other rooms, the
 * Worker's own routes) wait meanwhile. After one, the room is slowed: its next event waits
 * `limits.failureBackoffMs`. After `limits.failureStreak` in a row, it cools down for
 * `limits.coolDownMs`: its clients are closed with {@link CloseCode.coolingDown}, new ones are
 * refused with it, and its queued events are dropped. An event that succeeds ends the streak.
 *
 * Meanwhile each event of a streak runs on less: a quarter of the budget per failure in the
 * streak (a quarter after one, a sixteenth after two), never less than a sixty-fourth. So only
 * the first failure holds the isolate for a whole budget; the rest of the streak costs a
 * fraction of that, and an event that succeeds gets the whole budget back.
 */
import { type BudgetShare, FULL_BUDGET } from "../engine.ts";
import { dateNow, max } from "../intrinsics.ts";
import type { ServiceLimits } from "../settings.ts";
import { FuelExhausted } from "../wasm/guest.ts";
import { BusyWait } from "../wasm/wasi.ts";
import { DeadlineError } from "./deadline.ts";

/** Each costly failure in a row divides the next event's budget by this much... */
export const STREAK_BUDGET_DIVISOR = 4;
/** ...down to this share of it, so that an event that does little can still succeed and end the streak. */
export const STREAK_BUDGET_FLOOR: BudgetShare = 1 / 64;

export type CoolDownLimits = Pick<ServiceLimits, "failureStreak" | "failureBackoffMs" | "coolDownMs">;

/** Whether an event's failure cost the room its whole CPU budget (rather than a cheap throw). */
export function isCostlyFailure(error: unknown): boolean {
	return error instanceof FuelExhausted || error instanceof DeadlineError || error instanceof BusyWait;
}

export class CoolDown {
	#streak = 0;
	/** While slowed: the next event starts no earlier than this (ms since the epoch). */
	#resumeAt = 0;
	#until: number | null;

	/**
	 * @param until a cool-down the room was in when it last stopped (kept in its statistics).
	 * @param changed told when a cool-down starts (its end) or is over (`null`).
	 */
	constructor(
		readonly limits: CoolDownLimits,
		until: number | null,
		private readonly changed: (until: number | null) => void,
	) {
		this.#until = until;
	}

	/** When the cool-down in progress ends, or `null` when there is none (an ended one is cleared). */
	until(now = dateNow()): number | null {
		if (this.#until !== null && now >= this.#until) {
			this.#until = null;
			this.#streak = 0;
			this.changed(null);
		}
		return this.#until;
	}

	/** Whether the room's next event must first wait (a streak has begun). */
	get slowed(): boolean {
		return this.#streak > 0;
	}

	/** The share of its budget the room's next event gets: all of it, unless a streak has begun. */
	budgetShare(): BudgetShare {
		if (this.#streak === 0) return FULL_BUDGET;
		return max(STREAK_BUDGET_FLOOR, STREAK_BUDGET_DIVISOR ** -this.#streak);
	}

	/** How long the next event must wait before it runs, in milliseconds. */
	delay(now = dateNow()): number {
		return Math.max(0, this.#resumeAt - now);
	}

	/** An event succeeded: the streak ends. */
	succeeded(): void {
		this.#streak = 0;
		this.#resumeAt = 0;
	}

	/**
	 * An event failed. A costly failure extends the streak and slows the room; a cheap one (a
	 * throw) neither extends nor ends it. Returns the end of the cool-down this failure starts.
	 */
	failed(error: unknown, now = dateNow()): number | undefined {
		if (!isCostlyFailure(error)) return undefined;
		// An ended cool-down is cleared first (with its streak); one still running is not restarted.
		const cooling = this.until(now) !== null;
		this.#streak += 1;
		this.#resumeAt = now + this.limits.failureBackoffMs;
		if (cooling || this.#streak < this.limits.failureStreak) return undefined;
		this.#until = now + this.limits.coolDownMs;
		this.changed(this.#until);
		return this.#until;
	}
}
