/** Shows a RoomSocket's connection state in a badge, as text and as `data-state` for styling. */
import type { RoomSocket } from "stateroom/client";

export function showState(socket: RoomSocket, badge: HTMLElement): void {
	const render = () => {
		badge.textContent = socket.state;
		badge.dataset.state = socket.state;
	};
	socket.on("state", render);
	render();
}
