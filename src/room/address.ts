/**
 * Which (service, room) a room is: the router tells it on the upgrade request, in two headers.
 * The room id is URI-encoded because header values must be Latin-1.
 */
import type { RoomAddress } from "../naming.ts";

const SERVICE_HEADER = "x-stateroom-service";
const ROOM_HEADER = "x-stateroom-room";

export function withAddress(request: Request, address: RoomAddress): Request {
	const headers = new Headers(request.headers);
	headers.set(SERVICE_HEADER, address.service);
	headers.set(ROOM_HEADER, encodeURIComponent(address.roomId));
	return new Request(request, { headers });
}

export function readAddress(request: Request): RoomAddress {
	const service = request.headers.get(SERVICE_HEADER);
	const room = request.headers.get(ROOM_HEADER);
	if (service === null || room === null) {
		throw new Error("A room was called without its address headers; only the Stateroom router may call rooms.");
	}
	return { service, roomId: decodeURIComponent(room) };
}
