/**
 * The browser and Node client for Stateroom rooms: `import { connectRoom } from "stateroom/client"`.
 * Three things to call (`connectRoom`, or `new RoomSocket`; `new StateroomSocket` where code
 * expects a WebSocket) and the types a caller may need to name; the pieces they are built from (backoff, queue, URL building, close-code policy) stay
 * in their own modules.
 */

export type {
	ConnectionState,
	Incoming,
	RoomSocketArgs,
	RoomSocketEvents,
	RoomSocketOptions,
	SendResult,
} from "./options.ts";
export type { Outgoing } from "./queue.ts";
export { connectRoom, RoomSocket } from "./socket.ts";
export type { RoomEndpoint, RoomEndpointParts } from "./url.ts";
export {
	type StateroomErrorEvent,
	StateroomSocket,
	type StateroomSocketEventMap,
	type StateroomSocketOptions,
} from "./websocket.ts";
