/**
 * What the room directory knows about one room: the entry the room sends at its transitions
 * (first connect, a change in its client count, a failure, going idle), never per message.
 * Every report is the whole entry, so a lost report is repaired by the next one.
 */
import type { ServiceName } from "../naming.ts";

/** The last event of a room that failed and was rolled back. */
export interface FailureNote {
	/** When it failed, in milliseconds since the epoch. */
	readonly at: number;
	/** The event's kind: `init`, `connect`, `message`, `disconnect` or `timer`. */
	readonly event: string;
	/** The error's message, cut to 500 characters. */
	readonly message: string;
}

export interface RoomEntry {
	readonly service: ServiceName;
	readonly roomId: string;
	/** WebSocket clients connected now (as of the report). */
	readonly clients: number;
	/** When the room first ran, in milliseconds since the epoch. */
	readonly createdAt: number;
	/** When the room last ran an event. */
	readonly lastActiveAt: number;
	/** Bytes the room's storage takes (its SQLite database). */
	readonly storedBytes: number;
	/** When the room's timer fires, or `null` when none is pending. */
	readonly timerAt: number | null;
	/** Events that failed and were rolled back since the room was created or last reset. */
	readonly failures: number;
	readonly lastFailure: FailureNote | null;
	/**
	 * When the room's cool-down ends, in milliseconds since the epoch, or `null`: its events kept
	 * running out of fuel or time (`limits.failureStreak` in a row), so it refuses clients until
	 * then. A time in the past means the cool-down is over.
	 */
	readonly coolingDownUntil: number | null;
	/**
	 * The WebAssembly module build the room runs: the SHA-256 of the module's bytes before
	 * metering, as the meter recorded it. `null` for a TypeScript service.
	 */
	readonly module: string | null;
	/** When the room sent this entry; an older report never replaces a newer one. */
	readonly reportedAt: number;
}

/** Longest failure message kept, so that one entry stays small. */
export const FAILURE_MESSAGE_CHARS = 500;

/** Which rooms a listing returns. */
export interface RoomQuery {
	/** Only rooms whose id contains this text. */
	readonly filter?: string;
	/** Only rooms with clients connected now. */
	readonly connected?: boolean;
	/** Only rooms with at least one failed event. */
	readonly failing?: boolean;
	/** Only rooms whose id sorts after this one: the cursor of the previous page. */
	readonly after?: string;
	/** How many rooms at most (1-500). */
	readonly limit: number;
}

export const MAX_PAGE = 500;

/**
 * Orders room ids by Unicode code point, which is the order of their UTF-8 bytes and so the
 * order SQLite sorts them in. (JavaScript's `<` compares UTF-16 units, which differs for
 * characters beyond U+FFFF, and a cursor must mean the same thing to every shard.)
 */
export function compareRoomIds(a: string, b: string): number {
	const left = a[Symbol.iterator]();
	const right = b[Symbol.iterator]();
	for (;;) {
		const x = left.next();
		const y = right.next();
		if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
		const difference = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
		if (difference !== 0) return difference;
	}
}

/** Totals over a service's rooms (or one shard's), for the services overview. */
export interface ServiceTotals {
	readonly rooms: number;
	readonly clients: number;
	/** Rooms with at least one failed event. */
	readonly failingRooms: number;
}

/** One page of a service's rooms, in room id order. */
export interface RoomPage {
	readonly rooms: RoomEntry[];
	/** Pass as `after` for the next page; `null` on the last page. */
	readonly cursor: string | null;
}
