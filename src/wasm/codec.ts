/**
 * The bytes that cross the guest boundary: bincode 1.x (fixed-width little-endian integers,
 * enums as a `u32` variant index, strings and byte vectors as a `u64` length and the bytes)
 * for `MessageToProcess` (host to guest) and `MessageFromProcess` (guest to host).
 *
 * Node-compatible on purpose (the CLI imports it with type stripping): no `cloudflare:`
 * imports, no enums, no parameter properties.
 */

import type { ClientId } from "../api/client-id.ts";
import { MessagePayload } from "../api/payload.ts";
import type { MessageRecipient } from "../api/recipient.ts";
import type { ServiceEvent } from "../engine.ts";
import { max, strictUtf8Decode, utf8Encode } from "../intrinsics.ts";

/**
 * An event for the guest (`MessageToProcess`): the room's `ServiceEvent`, but for HTTP requests,
 * which ABI v1 has no variant for (the router refuses them before they reach a room).
 */
export type GuestEvent = Exclude<ServiceEvent, { readonly kind: "request" }>;

/** A command from the guest. */
export type GuestCommand =
	| { readonly kind: "message"; readonly recipient: MessageRecipient; readonly payload: MessagePayload }
	| { readonly kind: "setTimer"; readonly ms: number };

/** Variant indexes of `MessageToProcess`. */
const EVENT_INDEX = { init: 0, connect: 1, disconnect: 2, message: 3, timer: 4 } as const;
const EVENT_KINDS = ["init", "connect", "disconnect", "message", "timer"] as const;
/** Variant indexes of `MessagePayload`: Bytes comes first. */
const PAYLOAD_BYTES = 0;
const PAYLOAD_TEXT = 1;
/** Variant indexes of `MessageRecipient`. */
const RECIPIENT_INDEX = { broadcast: 0, client: 1, everyoneExcept: 2 } as const;
/** Variant indexes of `MessageFromProcess`. */
const COMMAND_MESSAGE = 0;
const COMMAND_SET_TIMER = 1;

/** Bytes that do not decode; the message names the byte offset and what is wrong there. */
export class DecodeError extends Error {
	readonly offset: number;

	constructor(what: string, offset: number, problem: string) {
		super(`malformed ${what} at byte ${offset}: ${problem}`);
		this.name = "DecodeError";
		this.offset = offset;
	}
}

export function encodeEvent(event: GuestEvent): Uint8Array {
	const writer = new Writer();
	writer.u32(EVENT_INDEX[event.kind]);
	if (event.kind === "connect" || event.kind === "disconnect") writer.u32(event.client);
	if (event.kind === "message") {
		writer.u32(event.client);
		writer.payload(event.payload);
	}
	return writer.finish();
}

export function encodeCommand(command: GuestCommand): Uint8Array {
	const writer = new Writer();
	if (command.kind === "setTimer") {
		writer.u32(COMMAND_SET_TIMER);
		writer.u32(command.ms);
		return writer.finish();
	}
	writer.u32(COMMAND_MESSAGE);
	writer.u32(RECIPIENT_INDEX[command.recipient.kind]);
	if (command.recipient.kind !== "broadcast") writer.u32(command.recipient.client);
	writer.payload(command.payload);
	return writer.finish();
}

/** Decodes one event; trailing bytes are ignored, as upstream guests ignore them. */
export function decodeEvent(bytes: Uint8Array): GuestEvent {
	const reader = new Reader(bytes, "event (MessageToProcess)");
	const at = reader.offset;
	const index = reader.u32("the variant index");
	const kind = EVENT_KINDS[index];
	switch (kind) {
		case "init":
		case "timer":
			return { kind };
		case "connect":
		case "disconnect":
			return { kind, client: reader.u32("the client id") as ClientId };
		case "message": {
			const client = reader.u32("the sender's client id") as ClientId;
			return { kind, client, payload: reader.payload() };
		}
		default:
			throw reader.error(at, `unknown variant ${index} (expected 0 Init, 1 Connect, 2 Disconnect, 3 Message, 4 Timer)`);
	}
}

/** Decodes one command; trailing bytes are ignored, as upstream guests ignore them. */
export function decodeCommand(bytes: Uint8Array): GuestCommand {
	const reader = new Reader(bytes, "command (MessageFromProcess)");
	const at = reader.offset;
	const index = reader.u32("the variant index");
	if (index === COMMAND_SET_TIMER) return { kind: "setTimer", ms: reader.u32("the timer delay") };
	if (index !== COMMAND_MESSAGE) throw reader.error(at, `unknown variant ${index} (expected 0 Message, 1 SetTimer)`);
	const recipient = reader.recipient();
	return { kind: "message", recipient, payload: reader.payload() };
}

class Writer {
	#bytes = new Uint8Array(64);
	#view = new DataView(this.#bytes.buffer);
	#length = 0;

	u32(value: number): void {
		this.reserve(4);
		this.#view.setUint32(this.#length, value, true);
		this.#length += 4;
	}

	payload(payload: MessagePayload): void {
		const isText = payload.kind === "text";
		const body = isText ? utf8Encode(payload.value) : payload.value;
		this.u32(isText ? PAYLOAD_TEXT : PAYLOAD_BYTES);
		this.reserve(8 + body.length);
		this.#view.setBigUint64(this.#length, BigInt(body.length), true);
		this.#bytes.set(body, this.#length + 8);
		this.#length += 8 + body.length;
	}

	finish(): Uint8Array {
		return this.#bytes.slice(0, this.#length);
	}

	private reserve(more: number): void {
		if (this.#length + more <= this.#bytes.length) return;
		const grown = new Uint8Array(max(this.#bytes.length * 2, this.#length + more));
		grown.set(this.#bytes.subarray(0, this.#length));
		this.#bytes = grown;
		this.#view = new DataView(grown.buffer);
	}
}

class Reader {
	offset = 0;
	readonly #bytes: Uint8Array;
	readonly #view: DataView;
	readonly #what: string;

	constructor(bytes: Uint8Array, what: string) {
		this.#bytes = bytes;
		this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.#what = what;
	}

	error(offset: number, problem: string): DecodeError {
		return new DecodeError(this.#what, offset, problem);
	}

	u32(field: string): number {
		this.need(4, field);
		const value = this.#view.getUint32(this.offset, true);
		this.offset += 4;
		return value;
	}

	recipient(): MessageRecipient {
		const at = this.offset;
		const index = this.u32("the recipient's variant index");
		if (index === RECIPIENT_INDEX.broadcast) return { kind: "broadcast" };
		if (index === RECIPIENT_INDEX.client) return { kind: "client", client: this.u32("the client id") as ClientId };
		if (index === RECIPIENT_INDEX.everyoneExcept) {
			return { kind: "everyoneExcept", client: this.u32("the client id") as ClientId };
		}
		throw this.error(
			at,
			`unknown MessageRecipient variant ${index} (expected 0 Broadcast, 1 Client, 2 EveryoneExcept)`,
		);
	}

	payload(): MessagePayload {
		const at = this.offset;
		const index = this.u32("the payload's variant index");
		if (index !== PAYLOAD_BYTES && index !== PAYLOAD_TEXT) {
			throw this.error(at, `unknown MessagePayload variant ${index} (expected 0 Bytes, 1 Text)`);
		}
		const body = this.bytes(index === PAYLOAD_TEXT ? "the text" : "the bytes");
		if (index === PAYLOAD_BYTES) return MessagePayload.bytes(body.slice());
		try {
			return MessagePayload.text(strictUtf8Decode(body));
		} catch {
			throw this.error(at + 12, `the Text payload is not valid UTF-8 (${body.length} bytes)`);
		}
	}

	private bytes(field: string): Uint8Array {
		const at = this.offset;
		this.need(8, `the length of ${field}`);
		const length = this.#view.getBigUint64(this.offset, true);
		this.offset += 8;
		const left = this.#bytes.length - this.offset;
		if (length > BigInt(left)) {
			throw this.error(at, `${field} claims ${length} bytes but only ${left} follow (truncated)`);
		}
		const body = this.#bytes.subarray(this.offset, this.offset + Number(length));
		this.offset += Number(length);
		return body;
	}

	private need(count: number, field: string): void {
		const left = this.#bytes.length - this.offset;
		if (left < count) {
			throw this.error(this.offset, `${field} needs ${count} bytes but only ${left} remain (truncated)`);
		}
	}
}
