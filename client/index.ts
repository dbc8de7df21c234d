/**
 * The browser and Node client for Stateroom rooms: `import { connectRoom } from "stateroom/client"`.
 * Two things to call (`connectRoom`, or `new RoomSocket`) and the types a caller may need to
 * name; the pieces they are built from (backoff, queue, URL building, close-code policy) stay
 * in their own modules.
 */

export type { ConnectionState, Incoming, RoomSocketEvents, RoomSocketOptions, SendResult } from "./options.ts";
export { connectRoom, RoomSocket } from "./socket.ts";
export type { RoomEndpoint, RoomEndpointParts } from "./url.ts";
