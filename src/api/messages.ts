/**
 * Typed messages: a codec turns a client's frame into what a service's `message` receives, and
 * what the service sends into a frame. A service declares one as `static messages`; without one,
 * `message` receives the `MessagePayload` as it came and `sendMessage` takes strings and bytes.
 */
import { jsonParse, jsonStringify } from "../intrinsics.ts";
import type { MessagePayload, PayloadLike } from "./payload.ts";

/** How a service's messages are read (`In`) and written (`Out`). */
export interface MessageCodec<In, Out> {
	/** A client's message as `message()` receives it. A throw fails the message's event. */
	decode(payload: MessagePayload): In;
	/** What the service (or a room handle) sends, as the frame that goes out. */
	encode(message: Out): PayloadLike;
}

/**
 * JSON messages: text frames hold JSON, parsed for `message()` (a binary frame or text that is
 * not JSON fails the event); what the service sends is written with `JSON.stringify`.
 *
 * The parsed value is whatever the client sent: give `check`, which returns it as an `In` or
 * throws, to hold clients you do not control to the type (a hand-written guard, a schema's parse).
 *
 * @example
 * type Command = { type: "say"; text: string };
 * type ChatEvent = { type: "said"; from: string; text: string };
 * export class Chat implements Service<Env, Command, ChatEvent> {
 *   static messages = jsonMessages<Command, ChatEvent>();
 *   message(client: ClientId, command: Command, ctx: ServiceContext<Env, ChatEvent>) {
 *     ctx.sendMessage(MessageRecipient.broadcast(), { type: "said", from: String(client), text: command.text });
 *   }
 * }
 */
export function jsonMessages<In, Out>(check?: (value: unknown) => In): MessageCodec<In, Out> {
	return {
		decode(payload) {
			const text = payload.text();
			if (text === undefined) throw new TypeError("a binary message reached a service that takes JSON text messages");
			const value: unknown = jsonParse(text);
			return check ? check(value) : (value as In);
		},
		encode(message) {
			const text = jsonStringify(message);
			if (text === undefined) throw new TypeError(`${typeof message} cannot be sent as JSON`);
			return text;
		},
	};
}
