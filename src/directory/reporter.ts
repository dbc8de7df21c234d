/**
 * How a room tells the directory about itself without ever waiting for it. `send()` returns at
 * once; the report runs in the background (`ctx.waitUntil`). Reports are coalesced: while one
 * is in flight, further calls only mark that another is due, and that one carries the entry
 * of its own moment. So a room sends at most one report at a time, in order, and a slow or
 * failing directory costs it nothing but a log line (once, until a report gets through).
 */

import { hostLog } from "../log.ts";
import { describeRoom, type RoomAddress } from "../naming.ts";
import type { RoomEntry } from "./entry.ts";
import { shardOfRoom } from "./listing.ts";

/** A report that takes longer than this is given up, so a hung directory frees the reporter. */
const REPORT_TIMEOUT_MS = 10_000;

export class DirectoryReporter {
	#sending: Promise<void> | undefined;
	#again = false;
	#stopped = false;
	#warned = false;

	/** @param currentEntry builds the entry to send, at the moment it is sent. */
	constructor(
		private readonly ctx: DurableObjectState,
		private readonly namespace: DurableObjectNamespace | undefined,
		private readonly room: RoomAddress,
		private readonly currentEntry: () => Promise<RoomEntry>,
	) {}

	/** Sends the room's entry soon; never throws, never blocks the caller. */
	send(): void {
		if (this.namespace === undefined || this.#stopped) return;
		if (this.#sending) {
			this.#again = true;
			return;
		}
		const sending = this.run(this.namespace).finally(() => {
			this.#sending = undefined;
		});
		this.#sending = sending;
		this.ctx.waitUntil(sending);
	}

	/** Stops reporting and waits for the report in flight (before the room's entry is removed). */
	async stop(): Promise<void> {
		this.#stopped = true;
		this.#again = false;
		await this.#sending;
	}

	private async run(namespace: DurableObjectNamespace): Promise<void> {
		try {
			do {
				this.#again = false;
				const entry = await this.currentEntry();
				await withTimeout(shardOfRoom(namespace, this.room).report(entry));
				this.#warned = false;
			} while (this.#again && !this.#stopped);
		} catch (error) {
			// The directory is a view: the room goes on serving, and its next report repairs the entry.
			if (!this.#warned) {
				this.#warned = true;
				hostLog.warn(
					`[stateroom] ${describeRoom(this.room)}: could not report to the room directory (the room keeps serving; later reports retry): ${error instanceof Error ? error.message : String(error)}`,
				);
			}
		}
	}
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${REPORT_TIMEOUT_MS} ms`)), REPORT_TIMEOUT_MS);
	});
	return Promise.race([promise, timeout]).finally(() => {
		if (timer !== undefined) clearTimeout(timer);
	});
}
