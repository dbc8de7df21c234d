/**
 * The Worker's routes. Each handler returns a Response, or nothing to fall through; every
 * refusal is an `HttpError` that says what is wrong.
 */
import { type IRequest, Router } from "itty-router";
import { HttpError } from "./errors.ts";
import { DEFAULT_ROOM, MAX_ROOM_ID_BYTES, type RoomAddress, roomName } from "./naming.ts";
import type { ServiceCatalog } from "./registry.ts";
import { withAddress } from "./room/address.ts";

/** The bindings the Worker needs: the Durable Object namespace that holds the rooms. */
export interface RoomsEnv {
	readonly ROOMS: DurableObjectNamespace;
}

export function createRouter(catalog: ServiceCatalog) {
	const router = Router<IRequest, [RoomsEnv, ExecutionContext]>({
		catch: (error) => {
			if (error instanceof HttpError) return error.toResponse();
			console.error("[stateroom] unhandled error:", error);
			return new HttpError(500, "Internal error; the Worker's log has the details.").toResponse();
		},
	});
	router
		.get("/status", () => new Response("ok"))
		.get("/ws", (request, env) => connect(request, env, { service: catalog.defaultService, roomId: DEFAULT_ROOM }))
		.get("/ws/:room", (request, env) =>
			connect(request, env, { service: catalog.defaultService, roomId: parseRoomId(request.params.room) }),
		)
		.get("/s/:service/ws/:room", (request, env) => {
			const service = request.params.service ?? "";
			if (!catalog.has(service)) {
				throw new HttpError(404, `No service named "${service}". Registered services: ${catalog.names().join(", ")}.`);
			}
			return connect(request, env, { service, roomId: parseRoomId(request.params.room) });
		})
		.all("*", (request) => {
			throw new HttpError(
				404,
				`Not found: ${new URL(request.url).pathname}. Rooms are at /ws/:room and /s/:service/ws/:room; health at /status.`,
			);
		});
	return router;
}

function connect(request: IRequest, env: RoomsEnv, address: RoomAddress): Promise<Response> {
	if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
		throw new HttpError(426, "This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).");
	}
	const stub = env.ROOMS.get(env.ROOMS.idFromName(roomName(address.service, address.roomId)));
	return stub.fetch(withAddress(request as unknown as Request, address));
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
	if (bytes > MAX_ROOM_ID_BYTES) {
		throw new HttpError(400, `Invalid room id: it is ${bytes} bytes long; the limit is ${MAX_ROOM_ID_BYTES}.`);
	}
	return roomId;
}
