/** The room the page is in: `?room=<id>` in the URL, a fresh random one when absent. */

import { MAX_ROOM_ID_BYTES } from "../../src/naming.ts";

/** The room from the page's URL; without one, picks a new room and puts it in the URL. */
export function currentRoom(location: Location, history: History): string {
	const room = new URL(location.href).searchParams.get("room")?.trim();
	if (room && new TextEncoder().encode(room).length <= MAX_ROOM_ID_BYTES) return room;
	const fresh = `demo-${crypto.randomUUID().slice(0, 8)}`;
	history.replaceState(null, "", roomHref(location, fresh));
	return fresh;
}

/** This page's URL for another room. */
export function roomHref(location: Location, room: string): string {
	const url = new URL(location.href);
	url.searchParams.set("room", room);
	return url.pathname + url.search;
}
