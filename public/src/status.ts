/**
 * A panel's connection: its state in a badge (as text, and as `data-state` for styling) and a
 * "Reconnect now" button that skips the backoff wait.
 */
import type { RoomSocket, RoomSocketOptions } from "stateroom/client";

/**
 * Reconnection for a page someone is watching: at most 3 s between attempts. The library's
 * default cap, 30 s, spares a server that a crowd of clients lost; here it would leave a person
 * staring at "reconnecting" long after the server is back.
 */
export const PAGE_SOCKET_OPTIONS: RoomSocketOptions = { backoff: { baseMs: 250, capMs: 3000 } };

export interface ConnectionElements {
	readonly badge: HTMLElement;
	readonly reconnect: HTMLButtonElement;
}

export function showConnection(socket: RoomSocket, elements: ConnectionElements): void {
	const render = () => {
		elements.badge.textContent = socket.state;
		elements.badge.dataset.state = socket.state;
		// Styled to stand out while the panel is not connected; it works in every state.
		elements.reconnect.dataset.state = socket.state;
	};
	socket.on("state", render);
	elements.reconnect.addEventListener("click", () => socket.reconnect());
	render();
}
