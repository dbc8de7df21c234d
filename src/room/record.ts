/**
 * What a room keeps about itself, apart from its service's state: which service and room it
 * is (a woken Durable Object has no request to tell it), the next client id, who is connected
 * (so that every `connect` gets exactly one `disconnect`), and whether `init` has run.
 */
import type { ClientId } from "../service/client-id.ts";

export interface RoomRecord {
	readonly service: string;
	readonly roomId: string;
	nextClient: number;
	clients: ClientId[];
	initialized: boolean;
}

export const RECORD_KEY = "room";
/** Every engine key is stored under this prefix, so the room's own keys never collide. */
export const STATE_PREFIX = "state/";

export function newRecord(service: string, roomId: string): RoomRecord {
	return { service, roomId, nextClient: 1, clients: [], initialized: false };
}
