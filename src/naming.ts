/**
 * The names that appear in URLs and in Durable Object names, with one rule each. The CLI
 * checks names with the same functions, so a name it accepts is one the Worker serves.
 */
import { HttpError } from "./errors.ts";
import { utf8Encode } from "./intrinsics.ts";
import { hasControlCharacter, quoteForLog } from "./log.ts";

/**
 * A service's name: the key it is registered under, and what URLs (`/s/:service/ws/:room`),
 * tokens and logs call it. Never the service's implementation or its definition.
 */
export type ServiceName = string;

/** Service names appear in URLs (`/s/:service/ws/:room`) and in Durable Object names. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const SERVICE_NAME_RULE = "1-63 lowercase letters, digits and dashes, starting with a letter or digit";

export function isServiceName(name: string): boolean {
	return SERVICE_NAME.test(name);
}

/** Longest room id, in bytes of UTF-8. */
export const MAX_ROOM_ID_BYTES = 256;

/**
 * A room id from a URL path segment: any non-empty URL-decoded string of at most 256 bytes,
 * without control characters; otherwise a 400 that says which rule it breaks.
 */
export function parseRoomId(raw: string | undefined): string {
	let roomId: string;
	try {
		roomId = decodeURIComponent(raw ?? "");
	} catch {
		throw new HttpError(400, `Invalid room id ${quoteForLog(raw ?? "")}: it is not valid percent-encoding.`);
	}
	if (roomId.length === 0) throw new HttpError(400, "Invalid room id: it is empty.");
	const bytes = utf8Encode(roomId).length;
	if (bytes > MAX_ROOM_ID_BYTES) {
		throw new HttpError(400, `Invalid room id: it is ${bytes} bytes long; the limit is ${MAX_ROOM_ID_BYTES}.`);
	}
	if (hasControlCharacter(roomId)) {
		throw new HttpError(
			400,
			`Invalid room id ${quoteForLog(roomId)}: it holds control characters (C0, DEL or C1), which room ids may not.`,
		);
	}
	return roomId;
}

/** `/ws` without a room id is room `1`, as in upstream Stateroom. */
export const DEFAULT_ROOM = "1";

/**
 * The Durable Object name of a room. Service names cannot contain ":", so the name is
 * unambiguous and two services never share a room.
 */
export function roomName(service: ServiceName, roomId: string): string {
	return `${service}:${roomId}`;
}

/** Which room: a service and one of its rooms' ids. */
export interface RoomAddress {
	readonly service: ServiceName;
	readonly roomId: string;
}

/** How logs and errors name a room; both names are escaped, as they come from URLs. */
export function describeRoom(room: RoomAddress): string {
	return `service ${quoteForLog(room.service)}, room ${quoteForLog(room.roomId)}`;
}
