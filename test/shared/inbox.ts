/**
 * An ordered queue of arriving messages that tests can await one at a time. Runtime-neutral
 * (only promises and timers), so the workerd suite and the Node suite share it. A waiter
 * rejects on timeout and when the source ends, so a missing message fails a test instead of
 * hanging it.
 */
export class Inbox<T> {
	readonly #items: T[] = [];
	readonly #waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
	#ended: Error | undefined;

	push(item: T): void {
		const waiter = this.#waiters.shift();
		if (waiter) waiter.resolve(item);
		else this.#items.push(item);
	}

	/** No more items will come: current and future waiters reject with `error`. */
	end(error: Error): void {
		this.#ended = error;
		for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
	}

	next(ms: number): Promise<T> {
		const item = this.#items.shift();
		if (item !== undefined) return Promise.resolve(item);
		if (this.#ended) return Promise.reject(this.#ended);
		return new Promise<T>((resolve, reject) => {
			const waiter = {
				resolve: (value: T) => {
					clearTimeout(timer);
					resolve(value);
				},
				reject: (error: Error) => {
					clearTimeout(timer);
					reject(error);
				},
			};
			const timer = setTimeout(() => {
				this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
				reject(new Error(`no message within ${ms} ms`));
			}, ms);
			this.#waiters.push(waiter);
		});
	}

	/** Everything that arrived and was not awaited yet. */
	drain(): T[] {
		return this.#items.splice(0);
	}
}
