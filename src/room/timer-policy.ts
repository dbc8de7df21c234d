/**
 * The rules for a room's one timer, so that a timer can neither be set to something the room
 * cannot honour nor keep a room (or the server) down:
 *
 * - `setTimer` takes a delay from 0 to `MAX_TIMER_DELAY_MS`; anything else throws.
 * - A timer set while a timer event runs fires no sooner than `MIN_TIMER_SPACING_MS` after that
 *   event began, so `setTimer(0)` in every tick runs at most 20 ticks a second.
 * - A timer event that fails, misses its deadline, or was running when the object died (the
 *   CPU limit, a crash, a restart of the server) runs again after a backoff, at most
 *   `MAX_TIMER_ATTEMPTS` times in all; then it is dropped with a log line. The attempt is
 *   stored, and made durable, before the event runs, so a timer that kills the process is
 *   counted too and a restart cannot run it forever.
 */

import { ceil, dateNow, max } from "../intrinsics.ts";

/** The longest delay `setTimer` takes: 2^32 - 1 ms (about 49.7 days), the most the WebAssembly ABI can say. */
export const MAX_TIMER_DELAY_MS = 2 ** 32 - 1;
/** The least time between the start of a timer event and the next timer event it sets. */
export const MIN_TIMER_SPACING_MS = 50;
/** How many times one timer event runs before it is dropped (the first run and two retries). */
export const MAX_TIMER_ATTEMPTS = 3;
/** The wait before a retry: 1 s after the first failure, 4 s after the second. */
export function retryDelay(attempt: number): number {
	return 1000 * 4 ** (attempt - 1);
}

/** What the room keeps about the timer event being tried, under its own storage key. */
export interface TimerAttempts {
	/** Runs started so far, this one included. */
	readonly attempts: number;
	/** True from just before a run until it has ended; still true after a restart means the run died. */
	readonly running: boolean;
}

/**
 * The part of the room's storage (storage.ts, which implements it) the timer's rules need: its
 * attempt record and the alarm. Declared here, so the rules depend on no storage code.
 */
export interface TimerStore {
	loadTimerAttempts(): Promise<TimerAttempts | undefined>;
	saveTimerAttempts(attempts: TimerAttempts): void;
	clearTimerAttempts(): void;
	setAlarm(ms: number): void;
	hasAlarm(): Promise<boolean>;
	deleteAlarm(): void;
	/** Resolves once every write so far is durable. */
	flush(): Promise<void>;
}

/** Refuses a delay the room cannot honour, with an error that says which delays it takes. */
export function checkTimerDelay(ms: unknown): number {
	if (typeof ms === "number" && ms >= 0 && ms <= MAX_TIMER_DELAY_MS) return ceil(ms);
	throw new RangeError(
		`setTimer takes a delay in milliseconds from 0 to ${MAX_TIMER_DELAY_MS} (about 49.7 days); got ${String(ms)}. ` +
			"Fix: pass a finite, non-negative number of milliseconds; for a later time, set a shorter timer and set it again when it fires.",
	);
}

/**
 * The delay to give the runtime for a timer the service asked for. `timerStartedAt` is when
 * the timer event that set it began, if a timer event set it.
 */
export function alarmDelay(requested: number, timerStartedAt: number | undefined, now = dateNow()): number {
	if (timerStartedAt === undefined) return requested;
	return max(requested, timerStartedAt + MIN_TIMER_SPACING_MS - now);
}

/** Counts the runs of the room's timer event, and decides when to retry it and when to drop it. */
export class TimerGuard {
	#attempts = 0;
	/** Whether storage may hold an attempt record (unknown, so true, until this guard clears it). */
	#recorded = true;

	/** @param log writes one line about the room's timer (the runner adds the room's name). */
	constructor(
		private readonly storage: TimerStore,
		private readonly log: (line: string) => void,
	) {}

	/**
	 * When the room starts: a run recorded as still going died with the last incarnation of the
	 * object. The runtime normally fires the alarm again; if it will not (its retries ran out),
	 * set it, so that the death is counted and the timer retried or dropped like any failure.
	 */
	async recover(): Promise<void> {
		const previous = await this.storage.loadTimerAttempts();
		this.#recorded = previous !== undefined;
		if (previous?.running && !(await this.storage.hasAlarm())) this.storage.setAlarm(0);
	}

	/**
	 * Before a timer event: whether to run it now. A run that died is counted and retried after
	 * its backoff (not at once: it may be what killed the room). Otherwise the attempt is
	 * stored, and made durable, before the event runs.
	 */
	async begin(): Promise<boolean> {
		const previous = await this.storage.loadTimerAttempts();
		if (previous?.running) {
			this.retryOrDrop(
				previous.attempts,
				"was still running when the room stopped (a crash, the CPU limit, a restart)",
			);
			return false;
		}
		this.#attempts = (previous?.attempts ?? 0) + 1;
		this.save({ attempts: this.#attempts, running: true });
		await this.storage.flush();
		return true;
	}

	/** After a timer event that `begin` let run. */
	end(succeeded: boolean): void {
		if (succeeded) {
			this.clear();
		} else {
			this.retryOrDrop(this.#attempts, "failed");
		}
	}

	/** Another event set a new timer: it replaces the one being tried, and its count starts afresh. */
	replaced(): void {
		if (this.#recorded) this.clear();
	}

	private retryOrDrop(attempts: number, what: string): void {
		if (attempts >= MAX_TIMER_ATTEMPTS) {
			this.clear();
			// No event has set a timer since this one was recorded (that would have cleared the
			// record), so a pending alarm can only be this timer's: it goes too.
			this.storage.deleteAlarm();
			this.log(
				`the timer event ${what} on attempt ${attempts} of ${MAX_TIMER_ATTEMPTS} and is dropped; ` +
					"the room keeps serving without a timer until an event sets one.",
			);
			return;
		}
		const delay = retryDelay(attempts);
		this.save({ attempts, running: false });
		this.storage.setAlarm(delay);
		this.log(`the timer event ${what} on attempt ${attempts} of ${MAX_TIMER_ATTEMPTS}; it runs again in ${delay} ms.`);
	}

	private save(attempts: TimerAttempts): void {
		this.storage.saveTimerAttempts(attempts);
		this.#recorded = true;
	}

	private clear(): void {
		this.storage.clearTimerAttempts();
		this.#recorded = false;
	}
}
