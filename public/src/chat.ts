/**
 * The chat panel, on the chat service (`/s/chat/ws/<room>`). Clients send plain text or
 * `/nick NAME`; the service answers with JSON events (services/chat.ts, `ChatEvent`).
 */
import { connectRoom, type RoomSocket } from "stateroom/client";
import type { ChatEvent } from "../../services/chat-protocol.ts";
import { markGaps } from "./gap.ts";
import { PAGE_SOCKET_OPTIONS, showConnection } from "./status.ts";

export interface ChatElements {
	readonly state: HTMLElement;
	readonly reconnect: HTMLButtonElement;
	readonly url: HTMLElement;
	readonly identity: HTMLElement;
	readonly log: HTMLOListElement;
	readonly form: HTMLFormElement;
	readonly input: HTMLInputElement;
}

export function startChat(host: string, room: string, elements: ChatElements): RoomSocket {
	const socket = connectRoom(
		{ host, room, service: "chat", secure: location.protocol === "https:" },
		PAGE_SOCKET_OPTIONS,
	);
	elements.url.textContent = `/s/chat/ws/${encodeURIComponent(room)}`;
	showConnection(socket, { badge: elements.state, reconnect: elements.reconnect });
	markGaps(socket, elements.log);
	let me: { client: number; name: string } | undefined;
	let welcomed = false;
	const showIdentity = () => {
		if (me) elements.identity.textContent = `You are ${me.name} (client id ${me.client}). Rename with /nick NAME.`;
		else
			elements.identity.textContent = welcomed
				? "Disconnected: the next connection is a new client."
				: "Not connected yet.";
	};
	socket.on("message", (message) => {
		if (message.kind !== "text") return;
		const event = parse(message.text);
		if (!event) return;
		if (event.type === "welcome") {
			me = { client: event.client, name: event.name };
			welcomed = true;
		}
		if (event.type === "renamed" && event.client === me?.client) me = { client: me.client, name: event.to };
		showIdentity();
		append(elements.log, event);
	});
	// A new connection is a new client id; until the welcome arrives we do not know it.
	socket.on("close", () => {
		me = undefined;
		showIdentity();
	});
	elements.form.addEventListener("submit", (submit) => {
		submit.preventDefault();
		const text = elements.input.value.trim();
		if (!text) return;
		socket.send(text);
		elements.input.value = "";
	});
	return socket;
}

function parse(text: string): ChatEvent | undefined {
	try {
		const event = JSON.parse(text) as ChatEvent;
		return typeof event === "object" && event !== null && "type" in event ? event : undefined;
	} catch {
		return undefined;
	}
}

function describe(event: ChatEvent): { text: string; kind: "said" | "event" | "error" } {
	switch (event.type) {
		case "welcome":
			return {
				text: `Welcome, ${event.name}. In the room: ${event.members.map((m) => m.name).join(", ")}.`,
				kind: "event",
			};
		case "joined":
			return { text: `${event.name} joined.`, kind: "event" };
		case "left":
			return { text: `${event.name} left.`, kind: "event" };
		case "renamed":
			return { text: `${event.from} is now ${event.to}.`, kind: "event" };
		case "said":
			return { text: `${event.name}: ${event.text}`, kind: "said" };
		case "error":
			return { text: event.message, kind: "error" };
	}
}

function append(log: HTMLOListElement, event: ChatEvent): void {
	const { text, kind } = describe(event);
	const item = document.createElement("li");
	item.className = kind;
	item.textContent = text;
	log.append(item);
	item.scrollIntoView({ block: "nearest" });
}
