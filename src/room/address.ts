/**
 * Which (service, room) a room is, and who the connecting client is: the router tells it on the
 * upgrade request, in headers it always sets or removes itself, so a client cannot supply them.
 * Values are URI-encoded because header values must be Latin-1.
 */
import type { Identity } from "../api/identity.ts";
import { jsonParse, jsonStringify, ownValue } from "../intrinsics.ts";
import type { RoomAddress } from "../naming.ts";

const SERVICE_HEADER = "x-stateroom-service";
const ROOM_HEADER = "x-stateroom-room";
const IDENTITY_HEADER = "x-stateroom-identity";
/** Set for an HTTP request to the room's handler (its path below the room); absent for a WebSocket. */
const PATH_HEADER = "x-stateroom-path";
/** The version of a published service the router found (see docs/publishing.md). */
const VERSION_HEADER = "x-stateroom-version";
const HEADERS = [SERVICE_HEADER, ROOM_HEADER, IDENTITY_HEADER, PATH_HEADER, VERSION_HEADER];

/**
 * The request for the room: `path` (the path below the room) makes it a request for the room's
 * HTTP handler, rather than a WebSocket upgrade; `version` is the version of a published service
 * the router found.
 */
export function withAddress(
	request: Request,
	address: RoomAddress,
	identity?: Identity,
	path?: string,
	version?: string,
): Request {
	const headers = new Headers(request.headers);
	if (version !== undefined) headers.set(VERSION_HEADER, version);
	else headers.delete(VERSION_HEADER);
	headers.set(SERVICE_HEADER, address.service);
	headers.set(ROOM_HEADER, encodeURIComponent(address.roomId));
	if (identity) headers.set(IDENTITY_HEADER, encodeURIComponent(jsonStringify(identity)));
	else headers.delete(IDENTITY_HEADER);
	if (path !== undefined) headers.set(PATH_HEADER, encodeURIComponent(path));
	else headers.delete(PATH_HEADER);
	return new Request(request, { headers });
}

/** The path below the room of a request for its HTTP handler; `undefined` for a WebSocket upgrade. */
export function readRequestPath(request: Request): string | undefined {
	const header = request.headers.get(PATH_HEADER);
	return header === null ? undefined : decodeURIComponent(header);
}

/** The request as its sender made it: without the headers the router added. */
export function withoutAddress(request: Request, body: Uint8Array | null): Request {
	const headers = new Headers(request.headers);
	for (const name of HEADERS) headers.delete(name);
	return new Request(request.url, { method: request.method, headers, body });
}

/** The identity the router established for this client, if any. */
export function readIdentity(request: Request): Identity | undefined {
	const header = request.headers.get(IDENTITY_HEADER);
	if (header === null) return undefined;
	// Own properties only: an identity without a user must not inherit one from Object.prototype.
	const parsed: unknown = jsonParse(decodeURIComponent(header));
	const user = ownValue(parsed, "user") as string | undefined;
	const claims = ownValue(parsed, "claims") as Identity["claims"] | undefined;
	return { user: user ?? undefined, claims: claims ?? {} };
}

/** The version of a published service the router found, if the room's service is published. */
export function readVersion(request: Request): string | undefined {
	return request.headers.get(VERSION_HEADER) ?? undefined;
}

export function readAddress(request: Request): RoomAddress {
	const service = request.headers.get(SERVICE_HEADER);
	const room = request.headers.get(ROOM_HEADER);
	if (service === null || room === null) {
		throw new Error("A room was called without its address headers; only the Stateroom router may call rooms.");
	}
	return { service, roomId: decodeURIComponent(room) };
}
