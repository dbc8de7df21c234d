/** The browser and Node client for Stateroom rooms: `import { connectRoom } from "stateroom/client"`. */

export {
	Backoff,
	type BackoffOptions,
	backoffCeiling,
	backoffDelay,
	DEFAULT_BACKOFF,
	type Random,
	type RetryOptions,
} from "./backoff.ts";
export { type CloseInfo, shouldReconnect, TERMINAL_APP_CODES, TERMINAL_CLOSE_CODES } from "./close-codes.ts";
export type { Listener } from "./events.ts";
export type {
	ConnectionState,
	Incoming,
	ParamsSource,
	QueueSize,
	RoomSocketEvents,
	RoomSocketOptions,
	SendResult,
	WebSocketConstructor,
} from "./options.ts";
export { DEFAULT_QUEUE, type Outgoing, type OverflowReason, type QueueOptions } from "./queue.ts";
export { connectRoom, RoomSocket } from "./socket.ts";
export { type QueryParams, type RoomAddress, type RoomTarget, roomUrl, withParams } from "./url.ts";
