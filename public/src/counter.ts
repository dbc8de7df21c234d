/**
 * The shared counter panel, on the default service (`/ws/<room>`). The service speaks plain
 * text: it takes `increment` and `decrement` and answers every message with `new value: N`.
 */
import { connectRoom, type RoomSocket } from "stateroom/client";
import { PAGE_SOCKET_OPTIONS, showConnection } from "./status.ts";

const NEW_VALUE = /^new value: (-?\d+)$/;

export interface CounterElements {
	readonly value: HTMLOutputElement;
	readonly state: HTMLElement;
	readonly reconnect: HTMLButtonElement;
	readonly url: HTMLElement;
	readonly increment: HTMLButtonElement;
	readonly decrement: HTMLButtonElement;
}

export function startCounter(host: string, room: string, elements: CounterElements): RoomSocket {
	const socket = connectRoom({ host, room, secure: location.protocol === "https:" }, PAGE_SOCKET_OPTIONS);
	elements.url.textContent = `/ws/${encodeURIComponent(room)}`;
	showConnection(socket, { badge: elements.state, reconnect: elements.reconnect });
	socket.on("message", (message) => {
		const match = message.kind === "text" ? NEW_VALUE.exec(message.text) : null;
		if (match) elements.value.value = match[1] as string;
	});
	// The service only says its value after a message, and any text other than increment or
	// decrement changes nothing: asking with "get" on every (re)connect shows the value at once.
	socket.on("open", () => socket.send("get"));
	elements.increment.addEventListener("click", () => socket.send("increment"));
	elements.decrement.addEventListener("click", () => socket.send("decrement"));
	return socket;
}
