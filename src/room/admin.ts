/**
 * What an operator can do to one room, through the Room's RPC methods (the admin API calls
 * them): read its details and its stored state, reset it (close its clients with a code and
 * reason, delete its state, keep its id and client numbering), or delete it altogether.
 * Every change is logged with the operator's name.
 */
import { shardOfRoom } from "../directory/listing.ts";
import { NO_WRITES } from "../engine.ts";
import { closeReason, errorMessage } from "../errors.ts";
import { jsonStringify } from "../intrinsics.ts";
import { hostLog } from "../log.ts";
import { describeRoom, type RoomAddress } from "../naming.ts";
import type { CatalogEntry } from "../registry.ts";
import type { RoomDetails, RoomStateView } from "./details.ts";
import { freshStats, type RoomStats, roomEntry } from "./monitor.ts";
import { closeAll } from "./sockets.ts";
import { newRecord, type RoomRecord, type RoomStorage } from "./storage.ts";

/**
 * The room's internals that the operator actions below need, handed over by the Room (which
 * keeps them private) for one call.
 */
export interface RoomInternals {
	readonly ctx: DurableObjectState;
	readonly storage: RoomStorage;
	/** The service a room of `service` runs (bundled or published), or `undefined` if there is none. */
	entryOf(service: string): Promise<CatalogEntry | undefined>;
	readonly directory: DurableObjectNamespace | undefined;
	/** The live statistics, when the room is running (they may be newer than the stored ones). */
	readonly liveStats: RoomStats | undefined;
	/** Stops the running room, if any: no event runs or reports once it resolves. */
	halt(): Promise<void>;
}

/** The details of a room, or `null` for a room that has never run (or was deleted). */
export async function readDetails(internals: RoomInternals): Promise<RoomDetails | null> {
	const record = await internals.storage.loadRecord();
	if (!record) return null;
	const stats = internals.liveStats ?? (await internals.storage.loadStats<RoomStats>()) ?? freshStats(0);
	const entry = await internals.entryOf(record.service);
	return {
		...(await roomEntry(internals.ctx, record, stats, entry?.factory.build() ?? null)),
		language: entry?.factory.language ?? null,
		sockets: internals.ctx.getWebSockets().length,
		nextClient: record.nextClient,
		initialized: record.initialized,
	};
}

/** The room's stored service state as its engine describes it, or `null` for no such room. */
export async function readState(internals: RoomInternals): Promise<RoomStateView | null> {
	const record = await internals.storage.loadRecord();
	if (!record) return null;
	const entry = await internals.entryOf(record.service);
	if (!entry) {
		const error = `Service "${record.service}" is no longer registered: its state cannot be read. Reset or delete the room.`;
		return { service: record.service, roomId: record.roomId, language: null, stored: { error } };
	}
	const { factory } = entry;
	const stored = await internals.storage.loadState();
	let view: unknown;
	try {
		view = factory.inspect(stored);
	} catch (error) {
		view = { error: `The stored state cannot be read: ${errorMessage(error)}` };
	}
	return { service: record.service, roomId: record.roomId, language: factory.language, stored: view };
}

/**
 * Resets a room: its clients are closed with `code` and `reason`, its service state, timer
 * and failure counts are deleted; it keeps its id and its client numbering, and starts afresh
 * (running `init` again) when a client next connects. Returns the new details, or `null`.
 */
export async function resetRoom(internals: RoomInternals, operator: string, code: number, reason: string) {
	// Every client first, before anything awaits (an event still running, storage): they are told at once.
	closeAll(internals.ctx, code, closeReason(reason));
	const record = await internals.storage.loadRecord();
	if (!record) return null;
	await internals.halt();
	await internals.storage.clear();
	const fresh: RoomRecord = { ...newRecord(record.service, record.roomId), nextClient: record.nextClient };
	const stats = freshStats();
	internals.storage.commit(fresh, NO_WRITES);
	internals.storage.saveStats(stats);
	logChange(operator, "reset", record);
	await updateDirectory(internals, record, (shard) =>
		moduleOf(internals, record)
			.then((module) => roomEntry(internals.ctx, fresh, stats, module))
			.then((entry) => shard.report(entry)),
	);
	return readDetails(internals);
}

/** Deletes a room: clients closed, storage and directory entry gone. `false` if there was none. */
export async function deleteRoom(
	internals: RoomInternals,
	operator: string,
	code: number,
	reason: string,
): Promise<boolean> {
	closeAll(internals.ctx, code, closeReason(reason));
	const record = await internals.storage.loadRecord();
	if (!record) return false;
	await internals.halt();
	await internals.storage.clear();
	logChange(operator, "deleted", record);
	await updateDirectory(internals, record, (shard) => shard.remove(record.roomId));
	return true;
}

/** The directory is updated at once here (an operator waits for it), but never blocks the change. */
async function updateDirectory(
	internals: RoomInternals,
	room: RoomAddress,
	change: (shard: ReturnType<typeof shardOfRoom>) => Promise<void>,
): Promise<void> {
	if (!internals.directory) return;
	try {
		await change(shardOfRoom(internals.directory, room));
	} catch (error) {
		hostLog.warn(`[stateroom] ${describeRoom(room)}: the room directory was not updated: ${errorMessage(error)}`);
	}
}

async function moduleOf(internals: RoomInternals, room: RoomAddress): Promise<string | null> {
	return (await internals.entryOf(room.service))?.factory.build() ?? null;
}

function logChange(operator: string, what: string, room: RoomAddress): void {
	// JSON.stringify escapes quotes and control characters in the operator's chosen name.
	hostLog.info(`[stateroom] admin: operator ${jsonStringify(operator)} ${what} ${describeRoom(room)}`);
}
