/**
 * Marks a gap in a log across a reconnect: "— disconnected at 14:03:12 …" when an open
 * connection drops, completed with "reconnected at 14:03:15 —" when it opens again, so nobody
 * mistakes the lines on either side for one conversation. Messages sent in between are not
 * replayed by the room.
 */
import type { RoomSocket } from "stateroom/client";

export function markGaps(socket: RoomSocket, log: HTMLOListElement): void {
	let gap: { item: HTMLLIElement; since: string } | undefined;
	socket.on("state", ({ state, previous }) => {
		if (previous === "open" && !gap) {
			const since = clock(new Date());
			const item = document.createElement("li");
			item.className = "gap";
			item.textContent = `— disconnected at ${since} …`;
			log.append(item);
			item.scrollIntoView({ block: "nearest" });
			gap = { item, since };
		} else if (state === "open" && gap) {
			gap.item.textContent = `— disconnected at ${gap.since} … reconnected at ${clock(new Date())} —`;
			gap = undefined;
		}
	});
}

/** `hh:mm:ss` in the page's time zone, on a 24-hour clock whatever the locale. */
function clock(time: Date): string {
	return [time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}
