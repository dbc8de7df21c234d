/**
 * How the Worker tells a room which (service, room) it is: two headers on the upgrade
 * request. The room id is URI-encoded because header values must be Latin-1.
 */
export interface RoomTarget {
	readonly service: string;
	readonly roomId: string;
}

const SERVICE_HEADER = "x-stateroom-service";
const ROOM_HEADER = "x-stateroom-room";

export function withTarget(request: Request, target: RoomTarget): Request {
	const headers = new Headers(request.headers);
	headers.set(SERVICE_HEADER, target.service);
	headers.set(ROOM_HEADER, encodeURIComponent(target.roomId));
	return new Request(request, { headers });
}

export function readTarget(request: Request): RoomTarget {
	const service = request.headers.get(SERVICE_HEADER);
	const room = request.headers.get(ROOM_HEADER);
	if (service === null || room === null) {
		throw new Error("A room was called without its target headers; only the Stateroom router may call rooms.");
	}
	return { service, roomId: decodeURIComponent(room) };
}
