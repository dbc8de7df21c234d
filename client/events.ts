/**
 * A small typed event emitter: `on(type, listener)` returns the function that removes the
 * listener. A listener that throws does not stop the others or the connection; its error is
 * reported as the platform reports uncaught errors.
 */

export type Listener<T> = (event: T) => void;

export class Emitter<Events extends object> {
	#listeners = new Map<keyof Events, Set<Listener<never>>>();
	readonly #report: (error: unknown) => void;

	/** `report` receives errors thrown by listeners; by default they surface as uncaught errors. */
	constructor(report: (error: unknown) => void = reportUncaught) {
		this.#report = report;
	}

	on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
		let set = this.#listeners.get(type);
		if (!set) {
			set = new Set();
			this.#listeners.set(type, set);
		}
		set.add(listener as Listener<never>);
		return () => this.off(type, listener);
	}

	off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
		this.#listeners.get(type)?.delete(listener as Listener<never>);
	}

	emit<K extends keyof Events>(type: K, event: Events[K]): void {
		const set = this.#listeners.get(type);
		if (!set) return;
		for (const listener of [...set]) {
			try {
				(listener as Listener<Events[K]>)(event);
			} catch (error) {
				this.#report(error);
			}
		}
	}
}

function reportUncaught(error: unknown): void {
	const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
	if (report) report(error);
	else
		setTimeout(() => {
			throw error;
		});
}
