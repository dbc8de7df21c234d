/**
 * What a room tells the room directory, and when. The monitor keeps the room's operating
 * statistics (created, last active, failed events and the last failure) in the room's storage,
 * and sends the directory its entry at transitions only: when the room first runs an event
 * after starting or waking, when its client count changes (the first connect, the last
 * disconnect and those in between), when an event fails, and at most once a minute while it is
 * busy (so that "last active" and the stored size stay roughly current). Never once per message.
 */
import { FAILURE_MESSAGE_CHARS, type FailureNote, type RoomEntry } from "../directory/entry.ts";
import { DirectoryReporter } from "../directory/reporter.ts";
import type { ServiceEvent } from "../engine.ts";
import { errorMessage } from "../errors.ts";
import { dateNow } from "../intrinsics.ts";
import type { RoomRecord, RoomStorage } from "./storage.ts";

/** What the event runner tells its observer (the monitor) about each event. */
export interface EventObserver {
	/** After every event, committed or rolled back, with the number of clients connected now. */
	processed(event: ServiceEvent, clients: number): void;
	/** When an event failed (it has been or is being rolled back). */
	failed(event: ServiceEvent, error: unknown): void;
}

/** The statistics a room keeps about itself, in storage under `stats`. */
export interface RoomStats {
	createdAt: number;
	lastActiveAt: number;
	failures: number;
	lastFailure: FailureNote | null;
	/** When the room's cool-down ends (see cool-down.ts), or `null`; absent in older statistics. */
	coolingDownUntil?: number | null;
}

/** While a room is busy without transitions, it still reports this often. */
const HEARTBEAT_MS = 60_000;

export function freshStats(now = dateNow()): RoomStats {
	return { createdAt: now, lastActiveAt: now, failures: 0, lastFailure: null, coolingDownUntil: null };
}

export class RoomMonitor implements EventObserver {
	readonly #reporter: DirectoryReporter;
	/** The client count last reported; `undefined` until the first report of this start. */
	#reportedClients: number | undefined;
	#reportedAt = 0;
	#stopped = false;

	private constructor(
		private readonly ctx: DurableObjectState,
		private readonly storage: RoomStorage,
		private readonly record: RoomRecord,
		readonly stats: RoomStats,
		directory: DurableObjectNamespace | undefined,
		private readonly module: string | null,
	) {
		this.#reporter = new DirectoryReporter(ctx, directory, record, () => this.entry());
	}

	static async load(
		ctx: DurableObjectState,
		storage: RoomStorage,
		record: RoomRecord,
		directory: DurableObjectNamespace | undefined,
		module: string | null,
	): Promise<RoomMonitor> {
		const stored = await storage.loadStats<RoomStats>();
		// Nothing is written yet: a room whose service fails to start must leave no storage behind.
		// The first event's report saves the statistics.
		return new RoomMonitor(ctx, storage, record, stored ?? freshStats(), directory, module);
	}

	processed(event: ServiceEvent, clients: number): void {
		const now = dateNow();
		this.stats.lastActiveAt = now;
		if (clients !== this.#reportedClients || event.kind === "init" || now - this.#reportedAt >= HEARTBEAT_MS) {
			this.#reportedClients = clients;
			this.report();
		}
	}

	failed(event: ServiceEvent, error: unknown): void {
		this.stats.failures += 1;
		this.stats.lastFailure = {
			at: dateNow(),
			event: event.kind,
			message: errorMessage(error).slice(0, FAILURE_MESSAGE_CHARS),
		};
		this.report();
	}

	/** A cool-down started (with its end) or ended (`null`): kept across restarts, and reported. */
	coolingDown(until: number | null): void {
		this.stats.coolingDownUntil = until;
		this.report();
	}

	/** Saves the statistics and sends the directory the room's entry, in the background. */
	report(): void {
		// A stopped room (reset or deleted) keeps nothing of an event abandoned meanwhile.
		if (this.#stopped) return;
		this.#reportedAt = dateNow();
		this.storage.saveStats(this.stats);
		this.#reporter.send();
	}

	/** Stops reporting; resolves once the report in flight (if any) is done. */
	stop(): Promise<void> {
		this.#stopped = true;
		return this.#reporter.stop();
	}

	/** The room's directory entry as of now. */
	async entry(): Promise<RoomEntry> {
		return roomEntry(this.ctx, this.record, this.stats, this.module);
	}
}

/** A room's directory entry from its record and statistics, with its storage size and timer now. */
export async function roomEntry(
	ctx: DurableObjectState,
	record: RoomRecord,
	stats: RoomStats,
	module: string | null,
): Promise<RoomEntry> {
	const timerAt = await ctx.storage.getAlarm();
	return {
		service: record.service,
		roomId: record.roomId,
		clients: record.clients.length,
		createdAt: stats.createdAt,
		lastActiveAt: stats.lastActiveAt,
		storedBytes: ctx.storage.sql.databaseSize,
		timerAt: timerAt ?? null,
		failures: stats.failures,
		lastFailure: stats.lastFailure,
		coolingDownUntil: stats.coolingDownUntil ?? null,
		module,
		reportedAt: dateNow(),
	};
}
