/**
 * What an operator can do to one room, through the Room's RPC methods (the admin API calls
 * them): read its details and its stored state, reset it (close its clients with a code and
 * reason, delete its state, keep its id and client numbering), or delete it altogether.
 * Every change is logged with the operator's name.
 */
import type { RoomEntry } from "../directory/entry.ts";
import { shardOfRoom } from "../directory/listing.ts";
import { NO_WRITES } from "../engine.ts";
import { closeReason, errorMessage } from "../errors.ts";
import { jsonStringify } from "../intrinsics.ts";
import { hostLog } from "../log.ts";
import { describeRoom, type RoomAddress } from "../naming.ts";
import type { ServiceCatalog } from "../registry.ts";
import { freshStats, type RoomStats, roomEntry } from "./monitor.ts";
import { closeAll } from "./sockets.ts";
import { newRecord, type RoomRecord, type RoomStorage } from "./storage.ts";

/** One room as an operator sees it: its directory entry, read live, and its bookkeeping. */
export interface RoomDetails extends RoomEntry {
	/** `typescript` or `wasm`, or `null` when the service is no longer registered. */
	readonly engine: string | null;
	/** WebSockets open now (the same as `clients`, unless some are closing). */
	readonly sockets: number;
	/** The id the next client gets; ids are never reused in a room, even across a reset. */
	readonly nextClient: number;
	readonly initialized: boolean;
}

export interface RoomStateView {
	readonly service: string;
	readonly roomId: string;
	readonly engine: string;
	/** What the engine reports of its stored state (see `EngineFactory.inspect`). */
	readonly stored: unknown;
}

/** The room's own parts that admin operations need. */
export interface AdminHost {
	readonly ctx: DurableObjectState;
	readonly storage: RoomStorage;
	readonly catalog: ServiceCatalog;
	readonly directory: DurableObjectNamespace | undefined;
	/** The live statistics, when the room is running (they may be newer than the stored ones). */
	readonly liveStats: RoomStats | undefined;
	/** Stops the running room, if any: no event runs or reports once it resolves. */
	halt(): Promise<void>;
}

/** The details of a room, or `null` for a room that has never run (or was deleted). */
export async function readDetails(host: AdminHost): Promise<RoomDetails | null> {
	const record = await host.storage.loadRecord();
	if (!record) return null;
	const stats = host.liveStats ?? (await host.storage.loadStats<RoomStats>()) ?? freshStats(0);
	return {
		...(await roomEntry(host.ctx, record, stats, moduleOf(host, record))),
		engine: host.catalog.has(record.service) ? host.catalog.get(record.service).factory.kind : null,
		sockets: host.ctx.getWebSockets().length,
		nextClient: record.nextClient,
		initialized: record.initialized,
	};
}

/** The room's stored service state as its engine describes it, or `null` for no such room. */
export async function readState(host: AdminHost): Promise<RoomStateView | null> {
	const record = await host.storage.loadRecord();
	if (!record) return null;
	if (!host.catalog.has(record.service)) {
		const error = `Service "${record.service}" is no longer registered: its state cannot be read. Reset or delete the room.`;
		return { service: record.service, roomId: record.roomId, engine: "unknown", stored: { error } };
	}
	const { factory } = host.catalog.get(record.service);
	const stored = await host.storage.loadState();
	let view: unknown;
	try {
		view = factory.inspect(stored);
	} catch (error) {
		view = { error: `The stored state cannot be read: ${errorMessage(error)}` };
	}
	return { service: record.service, roomId: record.roomId, engine: factory.kind, stored: view };
}

/**
 * Resets a room: its clients are closed with `code` and `reason`, its service state, timer
 * and failure counts are deleted; it keeps its id and its client numbering, and starts afresh
 * (running `init` again) when a client next connects. Returns the new details, or `null`.
 */
export async function resetRoom(host: AdminHost, operator: string, code: number, reason: string) {
	// Every client first, before anything awaits (an event still running, storage): they are told at once.
	closeAll(host.ctx, code, closeReason(reason));
	const record = await host.storage.loadRecord();
	if (!record) return null;
	await host.halt();
	await host.storage.clear();
	const fresh: RoomRecord = { ...newRecord(record.service, record.roomId), nextClient: record.nextClient };
	const stats = freshStats();
	host.storage.commit(fresh, NO_WRITES);
	host.storage.saveStats(stats);
	logChange(operator, "reset", record);
	await updateDirectory(host, record, (shard) =>
		roomEntry(host.ctx, fresh, stats, moduleOf(host, record)).then((entry) => shard.report(entry)),
	);
	return readDetails(host);
}

/** Deletes a room: clients closed, storage and directory entry gone. `false` if there was none. */
export async function deleteRoom(host: AdminHost, operator: string, code: number, reason: string): Promise<boolean> {
	closeAll(host.ctx, code, closeReason(reason));
	const record = await host.storage.loadRecord();
	if (!record) return false;
	await host.halt();
	await host.storage.clear();
	logChange(operator, "deleted", record);
	await updateDirectory(host, record, (shard) => shard.remove(record.roomId));
	return true;
}

/** The directory is updated at once here (an operator waits for it), but never blocks the change. */
async function updateDirectory(
	host: AdminHost,
	room: RoomAddress,
	change: (shard: ReturnType<typeof shardOfRoom>) => Promise<void>,
): Promise<void> {
	if (!host.directory) return;
	try {
		await change(shardOfRoom(host.directory, room));
	} catch (error) {
		hostLog.warn(`[stateroom] ${describeRoom(room)}: the room directory was not updated: ${errorMessage(error)}`);
	}
}

function moduleOf(host: AdminHost, room: RoomAddress): string | null {
	return host.catalog.has(room.service) ? host.catalog.get(room.service).factory.build() : null;
}

function logChange(operator: string, what: string, room: RoomAddress): void {
	// JSON.stringify escapes quotes and control characters in the operator's chosen name.
	hostLog.info(`[stateroom] admin: operator ${jsonStringify(operator)} ${what} ${describeRoom(room)}`);
}
