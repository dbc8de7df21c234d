/**
 * A Yjs client for tests inside workerd: a `Y.Doc` wired to a test socket with y-protocols, as
 * y-websocket's `WebsocketProvider` wires one (sync step 1 on open, answers to the server's sync
 * messages, local updates sent as update messages, awareness read into a map). The Node suite
 * runs the real `WebsocketProvider` (test/e2e/yjs.test.ts); this one drives the protocol frame
 * by frame, so that tests can also send what no provider would.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as sync from "y-protocols/sync";
import * as Y from "yjs";
import { connect, type TestSocket } from "./socket.ts";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

export interface YjsTestClient {
	readonly doc: Y.Doc;
	readonly socket: TestSocket;
	/** Awareness states heard, by Yjs client id (`null` once removed). */
	readonly awareness: Map<number, unknown>;
	/** Handles frames until `done()` holds; fails after `ms`. */
	until(done: () => boolean, ms?: number): Promise<void>;
	/** Sends this client's awareness state. */
	announce(state: unknown, clock?: number): void;
}

export async function openYjs(path: string, headers: Record<string, string> = {}): Promise<YjsTestClient> {
	const socket = await connect(path, headers);
	const doc = new Y.Doc();
	const awareness = new Map<number, unknown>();
	let synced = false;
	doc.on("update", (update: Uint8Array, origin: unknown) => {
		if (origin === "remote") return;
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, MESSAGE_SYNC);
		sync.writeUpdate(encoder, update);
		socket.send(encoding.toUint8Array(encoder));
	});
	const step1 = encoding.createEncoder();
	encoding.writeVarUint(step1, MESSAGE_SYNC);
	sync.writeSyncStep1(step1, doc);
	socket.send(encoding.toUint8Array(step1));

	const handle = (frame: string | Uint8Array) => {
		if (typeof frame === "string") throw new Error(`unexpected text frame ${frame}`);
		const decoder = decoding.createDecoder(frame);
		const type = decoding.readVarUint(decoder);
		if (type === MESSAGE_SYNC) {
			const reply = encoding.createEncoder();
			encoding.writeVarUint(reply, MESSAGE_SYNC);
			const kind = sync.readSyncMessage(decoder, reply, doc, "remote");
			if (kind === sync.messageYjsSyncStep2) synced = true;
			if (encoding.length(reply) > 1) socket.send(encoding.toUint8Array(reply));
		} else if (type === MESSAGE_AWARENESS) {
			const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
			const count = decoding.readVarUint(update);
			for (let index = 0; index < count; index++) {
				const id = decoding.readVarUint(update);
				decoding.readVarUint(update);
				awareness.set(id, JSON.parse(decoding.readVarString(update)));
			}
		}
	};
	const client: YjsTestClient = {
		doc,
		socket,
		awareness,
		async until(done, ms = 10_000) {
			const deadline = Date.now() + ms;
			while (!done()) {
				const left = deadline - Date.now();
				if (left <= 0) throw new Error(`condition not met within ${ms} ms`);
				handle(await socket.next(left));
			}
		},
		announce(state, clock = 1) {
			const update = encoding.createEncoder();
			encoding.writeVarUint(update, 1);
			encoding.writeVarUint(update, doc.clientID);
			encoding.writeVarUint(update, clock);
			encoding.writeVarString(update, JSON.stringify(state));
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
			encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update));
			socket.send(encoding.toUint8Array(encoder));
		},
	};
	await client.until(() => synced);
	return client;
}

/** A sync-update frame carrying `update` as it is (no check that it is a valid Yjs update). */
export function updateFrame(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	sync.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}
