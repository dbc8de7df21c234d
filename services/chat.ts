import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";
import type { ChatEvent } from "./chat-protocol.ts";

export type { ChatEvent };

/**
 * A chat room. Clients send plain text: `/nick NAME` renames them, anything else is said to the
 * room. The server answers with JSON events (`ChatEvent`, services/chat-protocol.ts), so pages can render them.
 */
const MAX_NAME = 32;
const MAX_LINE = 2000;

export class Chat implements Service {
	/** Nicknames of the connected clients, by client id. */
	names = new Map<ClientId, string>();

	connect(client: ClientId, ctx: ServiceContext): void {
		const name = `guest-${client}`;
		this.names.set(client, name);
		const members = Array.from(this.names, ([id, member]) => ({ client: id, name: member }));
		send(ctx, client, { type: "welcome", client, name, members });
		send(ctx, MessageRecipient.everyoneExcept(client), { type: "joined", client, name });
	}

	disconnect(client: ClientId, ctx: ServiceContext): void {
		const name = this.names.get(client) ?? `guest-${client}`;
		this.names.delete(client);
		send(ctx, MessageRecipient.broadcast(), { type: "left", client, name });
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text()?.trim();
		if (!text) return;
		const name = this.names.get(client) ?? `guest-${client}`;
		if (text.startsWith("/nick")) {
			this.rename(client, name, text.slice("/nick".length).trim(), ctx);
		} else if (text.length > MAX_LINE) {
			send(ctx, client, { type: "error", message: `Messages are limited to ${MAX_LINE} characters.` });
		} else {
			send(ctx, MessageRecipient.broadcast(), { type: "said", client, name, text });
		}
	}

	private rename(client: ClientId, from: string, to: string, ctx: ServiceContext): void {
		if (to.length === 0 || to.length > MAX_NAME) {
			send(ctx, client, { type: "error", message: `Usage: /nick NAME (1 to ${MAX_NAME} characters).` });
			return;
		}
		if ([...this.names.values()].includes(to)) {
			send(ctx, client, { type: "error", message: `The name "${to}" is taken in this room.` });
			return;
		}
		this.names.set(client, to);
		send(ctx, MessageRecipient.broadcast(), { type: "renamed", client, from, to });
	}
}

function send(ctx: ServiceContext, to: MessageRecipient | ClientId, event: ChatEvent): void {
	ctx.sendMessage(to, JSON.stringify(event));
}
