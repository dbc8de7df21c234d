/**
 * The Worker's routes. Each handler returns a Response, or nothing to fall through; every
 * refusal is an `HttpError` that says what is wrong.
 */
import { type IRequest, Router } from "itty-router";
import { HttpError } from "./errors.ts";
import type { Services } from "./registry.ts";
import { withTarget } from "./room/target.ts";

/** The Durable Object namespace that holds the rooms. */
export interface RoomsEnv {
	readonly ROOMS: DurableObjectNamespace;
}

/** `/ws` without a room id is room `1`, as in upstream Stateroom. */
export const DEFAULT_ROOM = "1";
/** Longest room id, in bytes of UTF-8. */
export const MAX_ROOM_BYTES = 256;

export function createRouter(services: Services) {
	const router = Router<IRequest, [RoomsEnv, ExecutionContext]>({
		catch: (error) => {
			if (error instanceof HttpError) return error.toResponse();
			console.error("[stateroom] unhandled error:", error);
			return new HttpError(500, "Internal error; the Worker's log has the details.").toResponse();
		},
	});
	router
		.get("/status", () => new Response("ok"))
		.get("/ws", (request, env) => connect(request, env, services.registry.default, DEFAULT_ROOM))
		.get("/ws/:room", (request, env) =>
			connect(request, env, services.registry.default, parseRoomId(request.params.room)),
		)
		.get("/s/:service/ws/:room", (request, env) => {
			const service = request.params.service ?? "";
			if (!services.has(service)) {
				throw new HttpError(
					404,
					`No service named "${service}". Registered services: ${Object.keys(services.registry.services).join(", ")}.`,
				);
			}
			return connect(request, env, service, parseRoomId(request.params.room));
		})
		.all("*", (request) => {
			throw new HttpError(
				404,
				`Not found: ${new URL(request.url).pathname}. Rooms are at /ws/:room and /s/:service/ws/:room; health at /status.`,
			);
		});
	return router;
}

function connect(request: IRequest, env: RoomsEnv, service: string, roomId: string): Promise<Response> {
	if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
		throw new HttpError(426, "This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).");
	}
	const stub = env.ROOMS.get(env.ROOMS.idFromName(roomName(service, roomId)));
	return stub.fetch(withTarget(request as unknown as Request, { service, roomId }));
}

/**
 * The Durable Object name of a room. Service names cannot contain ":", so the name is
 * unambiguous and two services never share a room.
 */
export function roomName(service: string, roomId: string): string {
	return `${service}:${roomId}`;
}

/** A room id is any non-empty URL-decoded string of at most 256 bytes. */
export function parseRoomId(raw: string | undefined): string {
	let roomId: string;
	try {
		roomId = decodeURIComponent(raw ?? "");
	} catch {
		throw new HttpError(400, `Invalid room id "${raw}": it is not valid percent-encoding.`);
	}
	if (roomId.length === 0) throw new HttpError(400, "Invalid room id: it is empty.");
	const bytes = new TextEncoder().encode(roomId).length;
	if (bytes > MAX_ROOM_BYTES) {
		throw new HttpError(400, `Invalid room id: it is ${bytes} bytes long; the limit is ${MAX_ROOM_BYTES}.`);
	}
	return roomId;
}
