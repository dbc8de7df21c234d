/**
 * How a room's writes reach storage, by the service's `durability` setting.
 *
 * - Strict: each event's writes are issued at once, without awaiting, so the runtime commits
 *   them as one atomic batch (together with those of any other event that finishes in the same
 *   turn), and its output gate holds every message sent after them until they are durable.
 * - Relaxed: writes are gathered for `RELAXED_FLUSH_MS` and issued together with
 *   `allowUnconfirmed`, so messages leave at once and a busy room writes each key once per
 *   window instead of once per event. A crash of the process or machine loses the window's
 *   events (and any write still unconfirmed); eviction and hibernation lose nothing, because an
 *   object with a pending timer is not evicted and `flush` runs before any read of state.
 */
import { type Durability, RELAXED_FLUSH_MS } from "../settings.ts";

export interface StorageWriter {
	/**
	 * @param unconfirmed for bookkeeping no message depends on: with strict durability it is
	 *   written at once but holds no output back (later writes still commit after it, in order,
	 *   so a message held for a later write is held for this one too).
	 */
	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[], unconfirmed?: boolean): void;
	setAlarm(at: number): void;
	/** Issues whatever has been gathered, now (before the room reads its state back). */
	flush(): void;
	/** Forgets whatever has been gathered (the room's storage is being deleted). */
	discard(): void;
}

/** The storage API takes at most 128 keys per `put` or `delete` call. */
const BATCH_KEYS = 128;

export function storageWriter(storage: DurableObjectStorage, durability: Durability): StorageWriter {
	return durability === "relaxed" ? new RelaxedWriter(storage) : new StrictWriter(storage);
}

class StrictWriter implements StorageWriter {
	constructor(private readonly storage: DurableObjectStorage) {}

	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[], unconfirmed = false): void {
		issue(this.storage, put, deletes, unconfirmed ? UNCONFIRMED : undefined);
	}

	setAlarm(at: number): void {
		void this.storage.setAlarm(at);
	}

	flush(): void {}

	discard(): void {}
}

const UNCONFIRMED: DurableObjectPutOptions = { allowUnconfirmed: true };

const DELETED = Symbol("deleted");

class RelaxedWriter implements StorageWriter {
	/** The latest value of every key written since the last flush. */
	readonly #pending = new Map<string, unknown>();
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly storage: DurableObjectStorage) {}

	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[]): void {
		for (const [key, value] of put) this.#pending.set(key, value);
		for (const key of deletes) this.#pending.set(key, DELETED);
		this.#timer ??= setTimeout(() => this.flush(), RELAXED_FLUSH_MS);
	}

	setAlarm(at: number): void {
		void this.storage.setAlarm(at, { allowUnconfirmed: true });
	}

	discard(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#pending.clear();
	}

	flush(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		if (this.#pending.size === 0) return;
		const put = new Map<string, unknown>();
		const deletes: string[] = [];
		for (const [key, value] of this.#pending) {
			if (value === DELETED) deletes.push(key);
			else put.set(key, value);
		}
		this.#pending.clear();
		issue(this.storage, put, deletes, UNCONFIRMED);
	}
}

/** Issues writes without awaiting between them, so the runtime commits them as one batch. */
function issue(
	storage: DurableObjectStorage,
	put: ReadonlyMap<string, unknown>,
	deletes: readonly string[],
	options?: DurableObjectPutOptions,
): void {
	// One key (most events of a small room) is put as it is, without building an object for it.
	if (put.size === 1) for (const [key, value] of put) void storage.put(key, value, options);
	else for (const batch of batches([...put])) void storage.put(Object.fromEntries(batch), options);
	for (const batch of batches(deletes)) void storage.delete(batch, options);
}

function* batches<T>(items: readonly T[]): Iterable<T[]> {
	for (let start = 0; start < items.length; start += BATCH_KEYS) yield items.slice(start, start + BATCH_KEYS);
}
