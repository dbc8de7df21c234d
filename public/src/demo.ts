/**
 * The demo page: a shared counter and a chat, both in the room named by `?room=` in the URL,
 * through the client library (stateroom/client), which reconnects on its own; and a shared
 * text on the Yjs service, through y-websocket's provider.
 */
import { startChat } from "./chat.ts";
import { startCounter } from "./counter.ts";
import { startEditor } from "./editor.ts";
import { currentRoom, roomHref } from "./room.ts";

function byId<T extends HTMLElement>(id: string): T {
	const element = document.getElementById(id);
	if (!element) throw new Error(`The demo page has no element #${id}.`);
	return element as T;
}

const room = currentRoom(location, history);
const roomInput = byId<HTMLInputElement>("room-input");
const roomLink = byId<HTMLAnchorElement>("room-link");
roomInput.value = room;
roomLink.href = roomHref(location, room);
document.title = `Stateroom demo: ${room}`;

// Switching rooms reloads the page: both sockets reconnect to the new room from a clean slate.
byId<HTMLFormElement>("room-form").addEventListener("submit", (event) => {
	event.preventDefault();
	const next = roomInput.value.trim();
	if (next && next !== room) location.assign(roomHref(location, next));
});

startCounter(location.host, room, {
	value: byId("counter-value"),
	state: byId("counter-state"),
	reconnect: byId("counter-reconnect"),
	url: byId("counter-url"),
	increment: byId("increment"),
	decrement: byId("decrement"),
});

startChat(location.host, room, {
	state: byId("chat-state"),
	reconnect: byId("chat-reconnect"),
	url: byId("chat-url"),
	identity: byId("chat-identity"),
	log: byId("chat-log"),
	form: byId("chat-form"),
	input: byId("chat-input"),
});

startEditor(location.host, room, {
	state: byId("editor-state"),
	reconnect: byId("editor-reconnect"),
	url: byId("editor-url"),
	text: byId("editor-text"),
	people: byId("editor-people"),
});
