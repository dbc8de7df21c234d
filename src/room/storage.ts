/**
 * The one owner of a room's storage layout. A room keeps its own record under `room`, the
 * attempts of a timer event being tried under `timer`, its operating statistics for the room
 * directory under `stats`, and its service's state under `state/` (the engine chooses the keys
 * below that prefix), so they never collide and the engine never sees the room's keys.
 */

import type { ClientId } from "../api/client-id.ts";
import type { Identity } from "../api/identity.ts";
import type { StateWrites } from "../engine.ts";
import { dateNow } from "../intrinsics.ts";
import type { ServiceName } from "../naming.ts";
import type { Durability } from "../settings.ts";
import { type StorageWriter, storageWriter } from "./durability.ts";
import { StateSizes } from "./state-quota.ts";
import type { TimerAttempts, TimerStore } from "./timer-policy.ts";

/**
 * What a room keeps about itself, apart from its service's state: which service and room it
 * is (a woken Durable Object has no request to tell it), the next client id, who is connected
 * (so that every `connect` gets exactly one `disconnect`), and whether `init` has run.
 */
export interface RoomRecord {
	readonly service: ServiceName;
	readonly roomId: string;
	nextClient: number;
	clients: ClientId[];
	initialized: boolean;
	/**
	 * The identity each connected client joined with (by client id), for those that have one.
	 * Absent in records stored before identities existed.
	 */
	identities?: Record<string, Identity>;
}

const RECORD_KEY = "room";
/** The attempts of the timer event being tried (see timer-policy.ts); absent when none is. */
const TIMER_KEY = "timer";
/** The room's operating statistics (created, last active, failures): see monitor.ts. */
const STATS_KEY = "stats";
const STATE_PREFIX = "state/";

export function newRecord(service: ServiceName, roomId: string): RoomRecord {
	return { service, roomId, nextClient: 1, clients: [], initialized: false };
}

export class RoomStorage implements TimerStore {
	/** The size of the stored service state, as of the last `loadState` and the commits since. */
	readonly stateSizes = new StateSizes();
	#writer: StorageWriter;

	constructor(private readonly storage: DurableObjectStorage) {
		this.#writer = storageWriter(storage, "strict");
	}

	/** Writes from now on follow the service's durability (see durability.ts). */
	useDurability(durability: Durability): void {
		this.#writer.flush();
		this.#writer = storageWriter(this.storage, durability);
	}

	loadRecord(): Promise<RoomRecord | undefined> {
		return this.storage.get<RoomRecord>(RECORD_KEY);
	}

	/** The service's stored state, by the engine's own keys (the prefix removed). */
	async loadState(): Promise<Map<string, unknown>> {
		// Writes still gathered by a relaxed room go first, so the read sees them.
		this.#writer.flush();
		const stored = await this.storage.list({ prefix: STATE_PREFIX });
		const state = new Map<string, unknown>();
		for (const [key, value] of stored) state.set(key.slice(STATE_PREFIX.length), value);
		this.stateSizes.reset(state);
		return state;
	}

	/**
	 * Writes a newly admitted client into the record. It holds no output back, not even with
	 * strict durability: the client's 101 response reveals no state, and whatever its events
	 * send waits for their own commits, which follow this write in order. (Holding the 101 for
	 * it would add a whole commit to every connection, and to every wake, before the first reply.)
	 */
	admit(record: RoomRecord): void {
		this.#writer.write(new Map([[RECORD_KEY, record]]), [], true);
	}

	/**
	 * Writes one event's changes: the record (when it changed) and the engine's writes, as one
	 * atomic batch, then applies the event's effects (`after`). With strict durability the
	 * output gate holds every message sent after the batch is issued until it is durable, and a
	 * batch issued while another commits waits for it, gathered with its neighbours' (see
	 * durability.ts): `after` may run later, never before the batch is issued.
	 */
	commit(record: RoomRecord | undefined, writes: StateWrites, after?: () => void): void {
		this.stateSizes.apply(writes);
		const put = new Map<string, unknown>();
		if (record) put.set(RECORD_KEY, record);
		for (const [key, value] of writes.put) put.set(STATE_PREFIX + key, value);
		this.#writer.write(
			put,
			writes.delete.length === 0 ? [] : writes.delete.map((key) => STATE_PREFIX + key),
			false,
			after,
		);
	}

	/** Issues the writes gathered behind a commit in flight now, and applies their held effects. */
	issueGathered(): void {
		this.#writer.flush();
	}

	loadStats<T>(): Promise<T | undefined> {
		return this.storage.get<T>(STATS_KEY);
	}

	/**
	 * Not awaited, like `commit`. Operating statistics hold no output back (a crash may lose
	 * the last "last active"), so a room's first event after a start or wake, which reports,
	 * waits for no more than its own commit.
	 */
	saveStats(stats: unknown): void {
		this.#writer.write(new Map([[STATS_KEY, stats]]), [], true);
	}

	/** Deletes everything the room stored, and its alarm (an operator's reset or delete). */
	async clear(): Promise<void> {
		// Writes a relaxed room still holds must not bring the state back afterwards.
		this.#writer.discard();
		await this.storage.deleteAlarm();
		await this.storage.deleteAll();
		this.stateSizes.reset(new Map());
	}

	/** Sets the room's alarm (the service's one timer); it survives hibernation and eviction. */
	setAlarm(ms: number): void {
		this.#writer.setAlarm(dateNow() + ms);
	}

	async hasAlarm(): Promise<boolean> {
		return (await this.storage.getAlarm()) !== null;
	}

	deleteAlarm(): void {
		void this.storage.deleteAlarm();
	}

	loadTimerAttempts(): Promise<TimerAttempts | undefined> {
		return this.storage.get<TimerAttempts>(TIMER_KEY);
	}

	saveTimerAttempts(attempts: TimerAttempts): void {
		void this.storage.put(TIMER_KEY, attempts);
	}

	clearTimerAttempts(): void {
		void this.storage.delete(TIMER_KEY);
	}

	/** Resolves once every write so far is durable: what must survive the process dying next. */
	flush(): Promise<void> {
		this.#writer.flush();
		return this.storage.sync();
	}
}
