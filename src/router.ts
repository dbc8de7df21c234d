/**
 * The room routes, under the deployment's path prefix. Each handler returns a Response, or
 * nothing to fall through; every refusal is an `HttpError` that says what is wrong. A room is
 * only reached once the access checks (src/access/) have passed. A path that is none of these
 * routes is not answered here (`fetch` resolves to `undefined`), so that the Worker's own routes
 * can take it.
 */
import { type IRequest, Router } from "itty-router";
import { type Authorize, admit, checkHost, type HostCheckEnv } from "./access/index.ts";
import { type BindingNames, roomsOf } from "./bindings.ts";
import { HttpError } from "./errors.ts";
import { describeErrorForLog, hostLog, quoteForLog } from "./log.ts";
import { DEFAULT_ROOM, isServiceName, parseRoomId, type RoomAddress, roomName } from "./naming.ts";
import { activeVersion, catalogIn } from "./publish/lookup.ts";
import type { ServiceCatalog } from "./registry.ts";
import { withAddress } from "./room/address.ts";
import { checkDeclaredSize } from "./room/request-body.ts";
import { type ResolvedSettings, resolveSettings } from "./settings.ts";

/**
 * The part of the Worker's `ExecutionContext` that Stateroom may use; narrow, so that a
 * framework's own context type (Hono's `c.executionCtx`) fits.
 */
export type WaitUntil = Pick<ExecutionContext, "waitUntil">;

export interface RouterOptions {
	/** The deployer's connection hook; see {@link Authorize}. */
	readonly authorize?: Authorize;
}

/** Where the routes are and which bindings they use (checked by the caller, see mount.ts). */
export interface RouterMount {
	/** "" or a path such as "/rooms", before every route. */
	readonly prefix: string;
	readonly bindings: BindingNames;
}

/** The Worker's `env`, passed through as it is; the namespaces are read under `bindings`. */
type RouterEnv = HostCheckEnv;

export function createRouter(catalog: ServiceCatalog, options: RouterOptions, { prefix, bindings }: RouterMount) {
	const router = Router<IRequest, [RouterEnv, WaitUntil]>({
		base: prefix,
		catch: (error) => {
			if (error instanceof HttpError) return error.toResponse();
			hostLog.error(`[stateroom] unhandled error: ${describeErrorForLog(error)}`);
			return new HttpError(500, "Internal error; the Worker's log has the details.").toResponse();
		},
	});
	const open = (request: IRequest, env: RouterEnv, address: RoomAddress, published?: ServiceRoute) =>
		connect(
			request as unknown as Request,
			env,
			roomsOf(env, bindings),
			address,
			published ?? { settings: catalog.get(address.service).settings, version: undefined },
			options,
		);
	// Development servers (`stateroom dev`, `serve`) answer loopback hosts only (see host.ts). Only
	// the requests these routes take are checked: the rest belong to the Worker around them.
	const host = (request: IRequest, env: RouterEnv) => checkHost(request as unknown as Request, env);
	router
		.get("/status", host, () => new Response("ok"))
		// Every method reaches the room routes, so that a POST is told 405, not 404.
		.all("/ws", host, (request, env) => open(request, env, { service: catalog.defaultService, roomId: DEFAULT_ROOM }))
		.all("/ws/:room", host, (request, env) =>
			open(request, env, { service: catalog.defaultService, roomId: parseRoomId(request.params.room) }),
		)
		.all("/s/:service/ws/:room", host, async (request, env) => {
			const service = request.params.service ?? "";
			const address = () => ({ service, roomId: parseRoomId(request.params.room) });
			if (catalog.has(service)) return open(request, env, address());
			// Not bundled: a service published to the running deployment, or none (docs/publishing.md).
			const published = await publishedRoute(env, service);
			if (!published) registered(catalog, service);
			return open(request, env, address(), published);
		})
		// A room's HTTP handler: the room itself and every path below it.
		.all("/s/:service/rooms/:room", host, (request, env) => ask(request, env))
		.all("/s/:service/rooms/:room/*", host, (request, env) => ask(request, env));
	const ask = (request: IRequest, env: RouterEnv) => {
		const service = registered(catalog, request.params.service);
		if (!catalog.get(service).factory.handlesRequests) throw noHandler(service, prefix);
		const address = { service, roomId: parseRoomId(request.params.room) };
		return answer(
			request as unknown as Request,
			env,
			roomsOf(env, bindings),
			address,
			pathBelowRoom(request.url, prefix),
			catalog,
			options,
		);
	};
	return router;
}

/** The service a route names, if it is registered; a 404 that lists the registered ones if not. */
function registered(catalog: ServiceCatalog, name: string | undefined): string {
	const service = name ?? "";
	if (!catalog.has(service)) {
		throw new HttpError(
			404,
			`No service named ${quoteForLog(service)}. Registered services: ${catalog.names().join(", ")}.`,
		);
	}
	return service;
}

function noHandler(service: string, prefix: string): HttpError {
	return new HttpError(
		404,
		`Service ${quoteForLog(service)} has no HTTP handler: only a TypeScript service with a request() method answers ${prefix}/s/:service/rooms/:room. Its rooms take WebSockets at ${prefix}/s/${service}/ws/:room.`,
	);
}

/** What follows `/s/:service/rooms/:room` in the URL's path, as it is written there: "/" for nothing. */
function pathBelowRoom(url: string, prefix: string): string {
	// ["", "s", service, "rooms", room, ...below]
	const below = new URL(url).pathname.slice(prefix.length).split("/").slice(5);
	return `/${below.join("/")}`;
}

async function answer(
	request: Request,
	env: unknown,
	rooms: DurableObjectNamespace,
	address: RoomAddress,
	path: string,
	catalog: ServiceCatalog,
	options: RouterOptions,
): Promise<Response> {
	const settings = catalog.get(address.service).settings;
	const identity = await admit(request, env, address, settings, options.authorize, "request");
	// Refused here when the sender says so, without waking the room; the room bounds what it reads.
	checkDeclaredSize(request, settings.limits.maxMessageBytes);
	const stub = rooms.get(rooms.idFromName(roomName(address.service, address.roomId)));
	return stub.fetch(withAddress(request, address, identity, path));
}

/** What a room route needs of its service: its settings, and the version when it is published. */
interface ServiceRoute {
	readonly settings: ResolvedSettings;
	readonly version: string | undefined;
}

/** A published service's settings and the version it runs, or `undefined` if none is published. */
async function publishedRoute(env: unknown, service: string): Promise<ServiceRoute | undefined> {
	const published = catalogIn(env);
	if (!published || !isServiceName(service)) return undefined;
	const record = await activeVersion(published, service);
	if (!record) return undefined;
	return { settings: resolveSettings(service, record.settings), version: record.version };
}

async function connect(
	request: Request,
	env: unknown,
	rooms: DurableObjectNamespace,
	address: RoomAddress,
	{ settings, version }: ServiceRoute,
	options: RouterOptions,
): Promise<Response> {
	const identity = await admit(request, env, address, settings, options.authorize);
	const stub = rooms.get(rooms.idFromName(roomName(address.service, address.roomId)));
	return stub.fetch(withAddress(request, address, identity, undefined, version));
}
