/**
 * How a room's writes reach storage, by the service's `durability` setting.
 *
 * - Strict: an event's writes are issued at once, without awaiting, and its messages are sent
 *   right after them, so the runtime's output gate holds the messages until the writes are
 *   durable. While a commit is in flight, later events' writes are gathered, with their effects
 *   (messages, closes, timer) held back in order; when it is durable, all that was gathered is
 *   issued as one batch and the held effects are applied right after it (group commit). A
 *   message still leaves only after the commit that holds its event's writes; a burst of
 *   messages costs one commit per commit time instead of one per message, and a lone event
 *   (nothing in flight) is written and answered at once, as before.
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
	 *   written at once (or joins the batch being gathered) but holds no output back; later
	 *   writes still commit after it, in order, so a message held for a later write is held for
	 *   this one too.
	 * @param after applies the effects of the event these writes belong to: called once the
	 *   writes are issued (strict: at once, or when the batch they joined is issued; relaxed: at
	 *   once), never before.
	 */
	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[], unconfirmed?: boolean, after?: () => void): void;
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
	/** While a commit is in flight: the writes gathered since (DELETED for a delete), else `undefined`. */
	#gathered: Map<string, unknown> | undefined;
	/** The effects of the gathered events, in order, applied once their batch is issued. */
	#held: (() => void)[] = [];
	/** Whether the gathered writes include any that must hold output back. */
	#confirmed = false;

	constructor(private readonly storage: DurableObjectStorage) {}

	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[], unconfirmed = false, after?: () => void): void {
		const gathered = this.#gathered;
		if (gathered !== undefined) {
			for (const [key, value] of put) gathered.set(key, value);
			for (const key of deletes) gathered.set(key, DELETED);
			if (!unconfirmed) this.#confirmed = true;
			if (after) this.#held.push(after);
			return;
		}
		const writes = put.size > 0 || deletes.length > 0;
		if (writes) issue(this.storage, put, deletes, unconfirmed ? UNCONFIRMED : undefined);
		after?.();
		if (writes && !unconfirmed) this.#gather();
	}

	setAlarm(at: number): void {
		void this.storage.setAlarm(at);
	}

	flush(): void {
		this.#release();
	}

	discard(): void {
		// Emptied, not replaced: the commit in flight still releases the writer when it is durable.
		this.#gathered?.clear();
		this.#held = [];
		this.#confirmed = false;
	}

	/** Until what was just issued is durable, later writes and their effects wait (see above). */
	#gather(): void {
		const gathered = new Map<string, unknown>();
		this.#gathered = gathered;
		// A failed commit breaks the object (the runtime resets it): there is nothing to release then.
		void this.storage.sync().then(
			() => {
				if (this.#gathered === gathered) this.#release();
			},
			() => {},
		);
	}

	/** Issues the gathered writes as one batch, then applies the held effects, in order. */
	#release(): void {
		const gathered = this.#gathered;
		const held = this.#held;
		const confirmed = this.#confirmed;
		this.#gathered = undefined;
		this.#held = [];
		this.#confirmed = false;
		if (gathered === undefined) return;
		const put = new Map<string, unknown>();
		const deletes: string[] = [];
		for (const [key, value] of gathered) {
			if (value === DELETED) deletes.push(key);
			else put.set(key, value);
		}
		const writes = put.size > 0 || deletes.length > 0;
		if (writes) issue(this.storage, put, deletes, confirmed ? undefined : UNCONFIRMED);
		for (const apply of held) apply();
		if (writes && confirmed && this.#gathered === undefined) this.#gather();
	}
}

const UNCONFIRMED: DurableObjectPutOptions = { allowUnconfirmed: true };

const DELETED = Symbol("deleted");

class RelaxedWriter implements StorageWriter {
	/** The latest value of every key written since the last flush. */
	readonly #pending = new Map<string, unknown>();
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly storage: DurableObjectStorage) {}

	write(put: ReadonlyMap<string, unknown>, deletes: readonly string[], _unconfirmed = true, after?: () => void): void {
		for (const [key, value] of put) this.#pending.set(key, value);
		for (const key of deletes) this.#pending.set(key, DELETED);
		if (this.#pending.size > 0) this.#timer ??= setTimeout(() => this.flush(), RELAXED_FLUSH_MS);
		// Relaxed: effects do not wait for storage.
		after?.();
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
