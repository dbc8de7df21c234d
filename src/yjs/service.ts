/**
 * The Yjs service: one shared Yjs document per room, which y-websocket's `WebsocketProvider`
 * connects to unchanged, kept in the room's own state so that it survives hibernation,
 * eviction and crashes with no client's help.
 *
 * State, as fields (so Stateroom stores them, and commits each event's writes before its
 * messages leave under strict durability):
 * - `snapshot`: the merged document (`Y.encodeStateAsUpdate`) as of the last compaction;
 * - `log`: every update stored since, one or more slots each (see update-log.ts), so that
 *   storing an update costs about the update;
 * - counters that say how big the document is and how many updates wait for compaction (what
 *   an operator's state view shows first).
 *
 * The `Y.Doc` itself lives in memory only (a private field), rebuilt from the snapshot and the
 * log when a room wakes or an event was rolled back.
 */
import * as Y from "yjs";
import type { ClientId } from "../api/client-id.ts";
import type { Identity } from "../api/identity.ts";
import type { MessagePayload } from "../api/payload.ts";
import { MessageRecipient } from "../api/recipient.ts";
import type { Service, ServiceClass, ServiceContext } from "../api/service.ts";
import { AnswerBudget, answerBudgetBytes } from "./answer-budget.ts";
import {
	type AwarenessEntry,
	fromConnectionState,
	mergeAwareness,
	readAwarenessUpdate,
	removals,
	toConnectionState,
	writeAwarenessUpdate,
} from "./awareness.ts";
import {
	awarenessMessage,
	MalformedMessage,
	readClientMessage,
	syncStep1,
	syncStep2,
	updateMessage,
} from "./protocol.ts";
import { COMPACT_MIN_BYTES, fromPieces, LOG_SLOTS, placePiece, toPieces } from "./update-log.ts";

/** The close codes a Yjs room sends of its own (4400-4499: y-websocket does not reconnect after them). */
export const YjsCloseCode = {
	/** The client sent a frame that is not a y-websocket message, or an update Yjs cannot read. */
	malformed: 4400,
	/** An update would take the document past `maxDocumentBytes`. */
	overQuota: 4413,
	/**
	 * The client asked for more than its budget of answers (sync step 1, awareness queries):
	 * two documents at the quota plus 64 KiB, refilled over a minute (answer-budget.ts).
	 */
	tooManyRequests: 4429,
} as const;

/** What a Yjs service class is built with (the `yjs()` factory fills in the defaults). */
export interface YjsServiceOptions {
	readonly maxDocumentBytes: number;
	readonly canWrite: (identity: Identity | undefined) => boolean;
}

/** A room's document, in numbers. */
interface DocumentStats {
	/** Bytes of the stored document: the snapshot and the updates since. */
	bytes: number;
	/** Updates stored since the last compaction. */
	updates: number;
	/** Updates stored since the room was created (or reset). */
	totalUpdates: number;
	compactions: number;
	snapshotBytes: number;
	/** The next free slot of the log, and the bytes already in its bucket. */
	logNext: number;
	logBucketBytes: number;
	/** Whether the room's timer is set to compact. */
	compactionDue: boolean;
}

/** How long after an update that crossed a compaction threshold the room compacts (its timer). */
const COMPACT_DELAY_MS = 500;

/** Builds the service class for one set of options. */
export function yjsServiceClass(options: YjsServiceOptions): ServiceClass {
	return class Yjs implements Service {
		/**
		 * The document's bookkeeping, in one field so that an update writes one small value besides
		 * its bucket; what an operator's state view shows first.
		 */
		document: DocumentStats = {
			bytes: 0,
			updates: 0,
			totalUpdates: 0,
			compactions: 0,
			snapshotBytes: 0,
			logNext: 0,
			logBucketBytes: 0,
			compactionDue: false,
		};
		/** The merged document as of the last compaction (`null` before the first). */
		snapshot: Uint8Array | null = null;
		/** The updates since, piece by piece (see update-log.ts); mostly holes. */
		log: (Uint8Array | undefined)[] = new Array(LOG_SLOTS);

		/** The document, built from the fields on first use (never stored itself). */
		#doc: Y.Doc | undefined;
		/** Awareness entries too large for a connection state, while the room stays in memory. */
		#presence = new Map<ClientId, AwarenessEntry[]>();
		/** What each connection may still be sent in answer to its own requests. */
		#answers = new AnswerBudget(answerBudgetBytes(options.maxDocumentBytes));

		connect(client: ClientId, ctx: ServiceContext): void {
			ctx.sendMessage(client, syncStep1(this.#document()));
			const others = ctx
				.clients()
				.filter(({ id }) => id !== client)
				.flatMap(({ id }) => this.#awarenessOf(id, ctx))
				.filter((entry) => entry.state !== null && entry.state !== undefined);
			if (others.length > 0) ctx.sendMessage(client, awarenessMessage(writeAwarenessUpdate(others)));
		}

		disconnect(client: ClientId, ctx: ServiceContext): void {
			const gone = removals(this.#awarenessOf(client, ctx));
			this.#presence.delete(client);
			this.#answers.forget(client);
			if (gone.length > 0) ctx.sendMessage(MessageRecipient.broadcast(), awarenessMessage(writeAwarenessUpdate(gone)));
		}

		message(client: ClientId, payload: MessagePayload, ctx: ServiceContext): void {
			// y-websocket frames are binary; text (y-partyserver's custom messages) is not the document's.
			const frame = payload.bytes();
			if (frame === undefined) return;
			try {
				const message = readClientMessage(frame);
				switch (message.kind) {
					case "sync-step-1":
						this.#answer(client, answerStep1(this.#document(), message.stateVector), ctx);
						return;
					case "update":
						if (options.canWrite(ctx.identity(client))) this.#receive(client, message.update, ctx);
						return;
					case "awareness":
						this.#receiveAwareness(client, message.update, ctx);
						return;
					case "query-awareness": {
						const all = ctx.clients().flatMap(({ id }) => this.#awarenessOf(id, ctx));
						const known = all.filter((entry) => entry.state !== null && entry.state !== undefined);
						this.#answer(client, awarenessMessage(writeAwarenessUpdate(known)), ctx);
						return;
					}
					case "auth":
						return;
				}
			} catch (error) {
				if (!(error instanceof MalformedMessage)) throw error;
				ctx.close(client, YjsCloseCode.malformed, reasonOf(error.message));
			}
		}

		timer(): void {
			if (this.document.compactionDue) this.#compact(Y.encodeStateAsUpdate(this.#document()));
		}

		/** Sends a client the answer to its request, or closes it once its answers are over budget. */
		#answer(client: ClientId, answer: Uint8Array, ctx: ServiceContext): void {
			if (this.#answers.take(client, answer.length)) {
				ctx.sendMessage(client, answer);
				return;
			}
			ctx.close(
				client,
				YjsCloseCode.tooManyRequests,
				reasonOf("too many sync requests: answers over this connection's budget"),
			);
		}

		/** Applies a client's update, stores it (or the compacted document), and relays it to the others. */
		#receive(client: ClientId, update: Uint8Array, ctx: ServiceContext): void {
			const doc = this.#document();
			let changed = false;
			const note = () => {
				changed = true;
			};
			doc.on("update", note);
			try {
				Y.applyUpdate(doc, update);
			} catch (error) {
				// The document may hold part of the update: it is rebuilt from storage, which never saw it.
				this.#discardDocument();
				throw new MalformedMessage(`malformed Yjs update (${error instanceof Error ? error.message : String(error)})`);
			} finally {
				doc.off("update", note);
			}
			// Nothing new (an empty sync step 2, a repeat), and nothing waiting for a missing part.
			if (!changed && doc.store.pendingStructs === null && doc.store.pendingDs === null) return;

			if (this.document.bytes + update.length > options.maxDocumentBytes) {
				const merged = Y.encodeStateAsUpdate(doc);
				if (merged.length > options.maxDocumentBytes) {
					this.#discardDocument();
					ctx.close(
						client,
						YjsCloseCode.overQuota,
						reasonOf(`document over its quota of ${options.maxDocumentBytes} bytes; the update was not stored`),
					);
					return;
				}
				this.#compact(merged);
			} else if (!this.#append(update)) {
				this.#compact(Y.encodeStateAsUpdate(doc));
			} else if (this.#compactionWanted() && !this.document.compactionDue) {
				this.document.compactionDue = true;
				ctx.setTimer(COMPACT_DELAY_MS);
			}
			this.document.totalUpdates += 1;
			ctx.sendMessage(MessageRecipient.everyoneExcept(client), updateMessage(update));
		}

		/** Stores an update in the log; `false` when the log has no room left for it. */
		#append(update: Uint8Array): boolean {
			const pieces = toPieces(update);
			let next = this.document.logNext;
			let bucketBytes = this.document.logBucketBytes;
			const slots: number[] = [];
			for (const piece of pieces) {
				const placed = placePiece(next, bucketBytes, piece.length);
				if (placed.slot >= LOG_SLOTS) return false;
				slots.push(placed.slot);
				next = placed.slot + 1;
				bucketBytes = placed.bucketBytes;
			}
			pieces.forEach((piece, index) => {
				this.log[slots[index] as number] = piece;
			});
			this.document.logNext = next;
			this.document.logBucketBytes = bucketBytes;
			this.document.bytes += update.length;
			this.document.updates += 1;
			return true;
		}

		/** Past half the slots, or a log larger than the snapshot: compaction pays for itself. */
		#compactionWanted(): boolean {
			const logBytes = this.document.bytes - this.document.snapshotBytes;
			return (
				this.document.logNext >= LOG_SLOTS / 2 || logBytes > Math.max(COMPACT_MIN_BYTES, this.document.snapshotBytes)
			);
		}

		/** Replaces the snapshot and the log by the merged document. */
		#compact(merged: Uint8Array): void {
			this.snapshot = merged;
			this.document.snapshotBytes = merged.length;
			this.document.bytes = merged.length;
			this.log = new Array(LOG_SLOTS);
			this.document.logNext = 0;
			this.document.logBucketBytes = 0;
			this.document.updates = 0;
			this.document.compactions += 1;
			this.document.compactionDue = false;
		}

		#receiveAwareness(client: ClientId, update: Uint8Array, ctx: ServiceContext): void {
			const entries = mergeAwareness(this.#awarenessOf(client, ctx), readAwarenessUpdate(update));
			const { value, complete } = toConnectionState(entries);
			ctx.connection(client).state = value;
			if (complete) this.#presence.delete(client);
			else this.#presence.set(client, entries);
			// To everyone, the sender included, as y-websocket's own server does: a lone client hears
			// its renewals back, which keeps its provider from taking the silence for a dead connection.
			ctx.sendMessage(MessageRecipient.broadcast(), awarenessMessage(update));
		}

		#awarenessOf(client: ClientId, ctx: ServiceContext): AwarenessEntry[] {
			return this.#presence.get(client) ?? fromConnectionState(ctx.connection(client).state);
		}

		#document(): Y.Doc {
			if (this.#doc !== undefined) return this.#doc;
			const doc = new Y.Doc();
			// Copies: what the fields hand out are state proxies, which Yjs's decoder cannot read.
			if (this.snapshot !== null) Y.applyUpdate(doc, this.snapshot.slice());
			const log = this.log;
			for (const update of fromPieces(this.document.logNext, (slot) => log[slot]?.slice())) Y.applyUpdate(doc, update);
			this.#doc = doc;
			return doc;
		}

		#discardDocument(): void {
			this.#doc?.destroy();
			this.#doc = undefined;
		}
	};
}

/** The sync step 2 for a client's state vector; a vector Yjs cannot read is a malformed message. */
function answerStep1(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
	try {
		return syncStep2(doc, stateVector);
	} catch (error) {
		throw new MalformedMessage(`malformed state vector (${error instanceof Error ? error.message : String(error)})`);
	}
}

/** A close reason fits in 123 bytes of UTF-8. */
function reasonOf(text: string): string {
	let reason = text;
	while (new TextEncoder().encode(reason).length > 123) reason = reason.slice(0, -1);
	return reason;
}
