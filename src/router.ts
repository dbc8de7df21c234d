/**
 * The Worker's routes. Each handler returns a Response, or nothing to fall through; every
 * refusal is an `HttpError` that says what is wrong. A room is only reached once the access
 * checks (src/access/) have passed.
 */
import { type IRequest, Router } from "itty-router";
import { type Authorize, admit } from "./access/index.ts";
import { HttpError } from "./errors.ts";
import { describeErrorForLog, hostLog, quoteForLog } from "./log.ts";
import { DEFAULT_ROOM, parseRoomId, type RoomAddress, roomName } from "./naming.ts";
import type { ServiceCatalog } from "./registry.ts";
import { withAddress } from "./room/address.ts";

/** The bindings the Worker needs: the Durable Object namespace that holds the rooms. */
export interface RoomsEnv {
	readonly ROOMS: DurableObjectNamespace;
}

export interface RouterOptions {
	/** The deployer's connection hook; see {@link Authorize}. */
	readonly authorize?: Authorize;
}

export function createRouter(catalog: ServiceCatalog, options: RouterOptions = {}) {
	const router = Router<IRequest, [RoomsEnv, ExecutionContext]>({
		catch: (error) => {
			if (error instanceof HttpError) return error.toResponse();
			hostLog.error(`[stateroom] unhandled error: ${describeErrorForLog(error)}`);
			return new HttpError(500, "Internal error; the Worker's log has the details.").toResponse();
		},
	});
	const open = (request: IRequest, env: RoomsEnv, address: RoomAddress) =>
		connect(request as unknown as Request, env, address, catalog, options);
	router
		.get("/status", () => new Response("ok"))
		// Every method reaches the room routes, so that a POST is told 405, not 404.
		.all("/ws", (request, env) => open(request, env, { service: catalog.defaultService, roomId: DEFAULT_ROOM }))
		.all("/ws/:room", (request, env) =>
			open(request, env, { service: catalog.defaultService, roomId: parseRoomId(request.params.room) }),
		)
		.all("/s/:service/ws/:room", (request, env) => {
			const service = request.params.service ?? "";
			if (!catalog.has(service)) {
				throw new HttpError(
					404,
					`No service named ${quoteForLog(service)}. Registered services: ${catalog.names().join(", ")}.`,
				);
			}
			return open(request, env, { service, roomId: parseRoomId(request.params.room) });
		})
		.all("*", (request) => {
			throw new HttpError(
				404,
				`Not found: ${quoteForLog(new URL(request.url).pathname)}. Rooms are at /ws/:room and /s/:service/ws/:room; health at /status.`,
			);
		});
	return router;
}

async function connect(
	request: Request,
	env: RoomsEnv,
	address: RoomAddress,
	catalog: ServiceCatalog,
	options: RouterOptions,
): Promise<Response> {
	const identity = await admit(request, env, address, catalog.get(address.service).settings, options.authorize);
	const stub = env.ROOMS.get(env.ROOMS.idFromName(roomName(address.service, address.roomId)));
	return stub.fetch(withAddress(request, address, identity));
}
