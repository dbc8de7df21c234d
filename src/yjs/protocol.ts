/**
 * The y-websocket wire protocol, as `y-websocket`'s `WebsocketProvider` speaks it: every frame is
 * binary and starts with a message type (a lib0 varUint). Sync messages carry a y-protocols sync
 * message (step 1: a state vector; step 2 and update: a Yjs update), awareness messages an
 * awareness update. Encoding goes through y-protocols; reading is done here with lib0's decoder,
 * because the service decides per client what an update may do (read-only clients, the quota)
 * before any of it reaches the document.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as sync from "y-protocols/sync";
import type * as Y from "yjs";

/** y-websocket's message types (the first varUint of every frame). */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

/** A frame a client sent, read as far as the service needs. */
export type ClientMessage =
	| { readonly kind: "sync-step-1"; readonly stateVector: Uint8Array }
	| { readonly kind: "update"; readonly update: Uint8Array }
	| { readonly kind: "awareness"; readonly update: Uint8Array }
	| { readonly kind: "query-awareness" }
	| { readonly kind: "auth" };

/** A frame that is not a y-websocket message; the client is closed with `YjsCloseCode.malformed`. */
export class MalformedMessage extends Error {
	override readonly name = "MalformedMessage";
}

/** Reads a client's frame; throws `MalformedMessage` for anything y-websocket would not send. */
export function readClientMessage(frame: Uint8Array): ClientMessage {
	try {
		const decoder = decoding.createDecoder(frame);
		const type = decoding.readVarUint(decoder);
		switch (type) {
			case MESSAGE_SYNC: {
				const step = decoding.readVarUint(decoder);
				// A copy: the bytes outlive the frame (stored, sent on), and a view of it is not storable.
				const payload = decoding.readVarUint8Array(decoder).slice();
				if (step === sync.messageYjsSyncStep1) return { kind: "sync-step-1", stateVector: payload };
				if (step === sync.messageYjsSyncStep2 || step === sync.messageYjsUpdate)
					return { kind: "update", update: payload };
				throw new MalformedMessage(`unknown sync message type ${step}`);
			}
			case MESSAGE_AWARENESS:
				return { kind: "awareness", update: decoding.readVarUint8Array(decoder).slice() };
			case MESSAGE_QUERY_AWARENESS:
				return { kind: "query-awareness" };
			case MESSAGE_AUTH:
				return { kind: "auth" };
			default:
				throw new MalformedMessage(`unknown message type ${type}`);
		}
	} catch (error) {
		if (error instanceof MalformedMessage) throw error;
		throw new MalformedMessage(`truncated frame (${error instanceof Error ? error.message : String(error)})`);
	}
}

/** The server's sync step 1: its state vector, so that the client sends what the server lacks. */
export function syncStep1(doc: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	sync.writeSyncStep1(encoder, doc);
	return encoding.toUint8Array(encoder);
}

/** The answer to a client's sync step 1: what the client lacks. Throws for a malformed state vector. */
export function syncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	sync.writeSyncStep2(encoder, doc, stateVector);
	return encoding.toUint8Array(encoder);
}

/** An update, as relayed to the other clients. */
export function updateMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	sync.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

/** An awareness update, framed as an awareness message. */
export function awarenessMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}
