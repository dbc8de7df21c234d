/**
 * The deadline of one event: a handler that has not settled within the service's
 * `limits.eventDeadlineMs` counts as failed, so that one stuck `await` cannot stall its room's
 * queue forever. The handler itself cannot be stopped (JavaScript has no way to cancel a
 * promise); the room abandons it, and the runner makes sure nothing it does later counts.
 */

/** The error an event fails with when its handler missed the deadline. */
export class DeadlineError extends Error {
	constructor(readonly ms: number) {
		super(
			`its handler did not settle within ${ms} ms (limits.eventDeadlineMs). ` +
				"Fix: make sure every promise the handler awaits settles (add a timeout to outside calls), " +
				"or raise `limits.eventDeadlineMs` for this service in defineServices.",
		);
		this.name = "DeadlineError";
	}
}

/**
 * Settles like `work`, or rejects with a `DeadlineError` after `ms` milliseconds, whichever
 * comes first. A late rejection of `work` is swallowed: nobody awaits it any more.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
	let settled = false;
	work.then(
		() => {
			settled = true;
		},
		() => {
			settled = true;
		},
	);
	// Speed: most handlers do not await, so their promise has settled by the next microtask (its
	// reaction was queued before this await's). Those need no timer, which is most of an event's
	// cost in a small room; a handler still pending gets the whole deadline from here.
	await undefined;
	if (settled) return work;
	return race(work, ms);
}

function race<T>(work: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | null = null;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
	});
	work.catch(() => {});
	return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
