/**
 * The React hook (`stateroom/client/react`): a {@link RoomSocket} tied to a component's
 * lifetime. It is the only module of the client that imports React, and `stateroom/client`
 * never imports it, so React stays an optional peer dependency.
 */
import { useEffect, useState } from "react";
import type { ConnectionState, Incoming, RoomSocketArgs } from "./options.ts";
import type { Outgoing } from "./queue.ts";
import { RoomSocket } from "./socket.ts";
import { type RoomEndpoint, roomUrl } from "./url.ts";

/** What {@link useRoom} returns: the socket (none before the first effect or without an endpoint) and its state. */
export interface RoomConnection<In = Incoming, Out = Outgoing> {
	readonly socket: RoomSocket<In, Out> | undefined;
	readonly state: ConnectionState;
}

interface Current<In, Out> extends RoomConnection<In, Out> {
	/** The URL the socket was made for, so a render for a new endpoint does not hand out the old socket. */
	readonly url: string | null;
}

/**
 * Connects to a room while the component is mounted: the socket is made on mount and whenever
 * the endpoint's URL changes (an equal `{ host, room }` object made on every render does not
 * reconnect), and closed on unmount and before each change. `null` or `undefined` connects to
 * nothing. `options` are read when the socket is made; change the endpoint to apply new ones.
 *
 * @example
 * function Counter({ room }: { room: string }) {
 * 	const { socket, state } = useRoom({ host: location.host, room });
 * 	const [value, setValue] = useState("");
 * 	useEffect(() => socket?.on("message", (m) => m.kind === "text" && setValue(m.text)), [socket]);
 * 	return <button onClick={() => socket?.send("increment")} disabled={state !== "open"}>{value}</button>;
 * }
 */
export function useRoom<In = Incoming, Out = Outgoing>(
	endpoint: RoomEndpoint | null | undefined,
	...options: RoomSocketArgs<In, Out>
): RoomConnection<In, Out> {
	// Throws, during render, for an endpoint that is not a room URL: an error boundary shows why.
	const url = endpoint === null || endpoint === undefined ? null : roomUrl(endpoint).href;
	const [current, setCurrent] = useState<Current<In, Out>>(() => idle(url));

	// biome-ignore lint/correctness/useExhaustiveDependencies: options are read when the socket is made; an options object literal is new on every render.
	useEffect(() => {
		if (url === null) {
			setCurrent(idle(url));
			return;
		}
		const socket = new RoomSocket<In, Out>(url, ...options);
		setCurrent({ url, socket, state: socket.state });
		const off = socket.on("state", ({ state }) => setCurrent({ url, socket, state }));
		return () => {
			off();
			socket.close();
		};
	}, [url]);

	const { socket, state } = current.url === url ? current : idle<In, Out>(url);
	return { socket, state };
}

/** No socket yet: about to connect to `url`, or nothing to connect to. */
function idle<In, Out>(url: string | null): Current<In, Out> {
	return { url, socket: undefined, state: url === null ? "closed" : "connecting" };
}
