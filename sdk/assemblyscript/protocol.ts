/**
 * The wire format of the Stateroom ABI (version 1, protocol 0): events the host sends in,
 * commands the guest sends out through `env.stateroom_send`.
 */
import { Writer } from "./bincode";
import { MessageRecipient, RecipientKind } from "./recipient";

/** `MessageToProcess` variant indexes. */
export const enum EventKind {
	Init = 0,
	Connect = 1,
	Disconnect = 2,
	Message = 3,
	Timer = 4,
}

/** `MessagePayload` variant indexes: Bytes comes first, as in upstream's Rust enum. */
export const enum PayloadKind {
	Bytes = 0,
	Text = 1,
}

/** `MessageFromProcess` variant indexes. */
const enum CommandKind {
	Message = 0,
	SetTimer = 1,
}

// @ts-ignore: decorator
@external("env", "stateroom_send")
declare function stateroom_send(ptr: usize, len: usize): void;

/** Sends one `Message` command whose payload is `length` bytes at `data` (UTF-8 if `kind` is Text). */
export function sendMessageCommand(recipient: MessageRecipient, kind: PayloadKind, data: usize, length: usize): void {
	const hasClient = recipient.kind != RecipientKind.Broadcast;
	const size: usize = 4 + 4 + (hasClient ? 4 : 0) + 4 + 8 + length;
	const buffer = heap.alloc(size);
	const writer = new Writer(buffer).u32(CommandKind.Message).u32(recipient.kind);
	if (hasClient) writer.u32(recipient.client);
	writer.u32(kind).u64(length).raw(data, length);
	send(buffer, writer.length);
}

/** Sends one `Message` command with a text payload, encoded as UTF-8 straight into the command. */
export function sendTextCommand(recipient: MessageRecipient, text: string): void {
	const length = <usize>String.UTF8.byteLength(text);
	const hasClient = recipient.kind != RecipientKind.Broadcast;
	const size: usize = 4 + 4 + (hasClient ? 4 : 0) + 4 + 8 + length;
	const buffer = heap.alloc(size);
	const writer = new Writer(buffer).u32(CommandKind.Message).u32(recipient.kind);
	if (hasClient) writer.u32(recipient.client);
	writer.u32(PayloadKind.Text).u64(length).utf8(text);
	send(buffer, writer.length);
}

/** Sends one `SetTimer` command. */
export function setTimerCommand(ms: u32): void {
	const buffer = heap.alloc(8);
	send(buffer, new Writer(buffer).u32(CommandKind.SetTimer).u32(ms).length);
}

/** The host copies the bytes during the call, so the buffer is freed right after. */
function send(buffer: usize, length: usize): void {
	stateroom_send(buffer, length);
	heap.free(buffer);
}
