import { ClientId } from "./client-id";
import { readIdentity } from "./identity";
import { MessagePayload } from "./payload";
import { PayloadKind, sendMessageCommand, sendTextCommand, setTimerCommand } from "./protocol";
import { MessageRecipient } from "./recipient";

/** What a service can do while it handles an event: the TypeScript API's `ServiceContext`. */
export class ServiceContext {
	/**
	 * Sends a message. The recipient is a `MessageRecipient` or a bare `ClientId` (that one
	 * client); the message is a `string` (text frame), a `Uint8Array` or `ArrayBuffer` (binary
	 * frame) or a `MessagePayload`. A message to a client that is not connected is dropped.
	 * Anything else is a compile error.
	 *
	 * @example
	 * ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
	 * ctx.sendMessage(client, Uint8Array.wrap(bytes));
	 */
	sendMessage<R, P>(recipient: R, message: P): void {
		let to: MessageRecipient;
		if (isInteger<R>()) {
			to = MessageRecipient.client(<ClientId>recipient);
		} else if (recipient instanceof MessageRecipient) {
			to = recipient;
		} else {
			ERROR("sendMessage: the recipient must be a MessageRecipient or a ClientId");
			return;
		}
		if (isString<P>()) {
			sendTextCommand(to, changetype<string>(message));
		} else if (message instanceof Uint8Array) {
			sendMessageCommand(to, PayloadKind.Bytes, message.dataStart, <usize>message.byteLength);
		} else if (message instanceof ArrayBuffer) {
			sendMessageCommand(to, PayloadKind.Bytes, changetype<usize>(message), <usize>message.byteLength);
		} else if (message instanceof MessagePayload) {
			const text = message.text();
			if (text !== null) sendTextCommand(to, text);
			else {
				const bytes = message.bytes()!;
				sendMessageCommand(to, PayloadKind.Bytes, bytes.dataStart, <usize>bytes.byteLength);
			}
		} else {
			ERROR("sendMessage: the message must be a string, Uint8Array, ArrayBuffer or MessagePayload");
		}
	}

	/**
	 * Sets the room's one timer: `timer()` runs after `ms` milliseconds. A new call replaces
	 * the pending timer; `0` fires as soon as possible. The timer survives hibernation.
	 */
	setTimer(ms: u32): void {
		setTimerCommand(ms);
	}

	/**
	 * Who `client` is: the JSON text `{"user":"ann","claims":{...}}` of its join token and of the
	 * deployment's `authorize` hook (`user` left out when there is none), or `null` for a client
	 * without an identity or one that is not connected. The TypeScript API's `ctx.identity`,
	 * as JSON text. Only a module that calls it imports `env.stateroom_identity`.
	 *
	 * @example
	 * const who = ctx.identity(client);
	 * ctx.sendMessage(client, who !== null ? who : "anonymous");
	 */
	identity(client: ClientId): string | null {
		return readIdentity(client);
	}
}
