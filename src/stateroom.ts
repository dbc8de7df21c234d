/**
 * Builds a deployment from a service registry: the Worker's fetch handler. It also registers
 * the services with the library's `Room` class, which the entry module exports as it is, next
 * to `Directory`; call it once per Worker.
 *
 * @example
 * // app/worker.ts
 * import { createStateroom } from "stateroom";
 * import services from "../services/index.ts";
 * export { Directory, Room } from "stateroom";
 * export default createStateroom(services).worker;
 *
 * @example
 * // Let only signed-in users in, with their user id and role from the session cookie:
 * const stateroom = createStateroom(services, {
 *   async authorize(request, { service, room }) {
 *     const session = await readSession(request.headers.get("cookie"));
 *     if (!session) return { allow: false, status: 401, reason: "Sign in first." };
 *     return { allow: true, user: session.userId, claims: { role: session.role } };
 *   },
 * });
 *
 * @example
 * // Inside a Worker of your own: Stateroom answers under /rooms and leaves the rest to you.
 * const stateroom = createStateroom(services, { prefix: "/rooms", bindings: { rooms: "GAME_ROOMS" } });
 * export default {
 *   async fetch(request, env, ctx) {
 *     return (await stateroom.route(request, env, ctx)) ?? new Response("my app");
 *   },
 * } satisfies ExportedHandler<Env>;
 */
import { checkHost, type HostCheckEnv } from "./access/index.ts";
import { ADMIN_API, type AdminApiEnv, createAdminApi } from "./admin/api.ts";
import { deployBindings, resolveBindings, type StateroomBindings } from "./bindings.ts";
import { HttpError } from "./errors.ts";
import { quoteForLog } from "./log.ts";
import { isUnder, parsePrefix } from "./mount.ts";
import type { ServiceName } from "./naming.ts";
import { defineServices, deployCatalog, ServiceCatalog, type ServiceRegistry } from "./registry.ts";
import { type OutgoingOf, type RoomHandle, roomHandle } from "./room-handle.ts";
import { createRouter, type RouterOptions, type WaitUntil } from "./router.ts";

/** The bindings and vars the Worker reads, under the default binding names. */
export type StateroomEnv = AdminApiEnv & HostCheckEnv;

export interface Stateroom<Registry extends ServiceRegistry = ServiceRegistry> {
	/**
	 * Answers the requests that are Stateroom's (its routes under `prefix`) and resolves to `null`
	 * for every other one, so that the Worker's own routes can take it. `env` and `ctx` are the
	 * Worker's, passed through as they are.
	 */
	route(request: Request, env: object, ctx: WaitUntil): Promise<Response | null>;
	/** A whole Worker: {@link route}, and a 404 that lists the routes for everything else. */
	readonly worker: ExportedHandler<StateroomEnv>;
	/**
	 * A room of a registered service, for the Worker's own code (a webhook, a cron job, an API
	 * route): send its clients a message or call its HTTP handler (see {@link RoomHandle}). `env`
	 * is the Worker's, which holds the `Room` binding. Throws for a service that is not registered
	 * or a room id that is not one.
	 *
	 * @example
	 * await stateroom.room(env, "chat", "lobby").broadcast("the build is green");
	 * const reply = await stateroom.room(env, "chat", "lobby").fetch("/history");
	 */
	room<Service extends keyof Registry["services"] & ServiceName>(
		env: object,
		service: Service,
		roomId: string,
	): RoomHandle<OutgoingOf<Registry["services"][Service]>>;
}

/** Options of a deployment as a whole (per-service settings go in `defineServices`). */
export interface StateroomOptions extends RouterOptions {
	/**
	 * A path before every Stateroom route: with "/rooms", rooms are at `/rooms/ws/:room` and
	 * `/rooms/s/:service/ws/:room`, their HTTP handlers at `/rooms/s/:service/rooms/:room/...`, the
	 * health check at `/rooms/status`, the admin API at `/rooms/admin/api/`. Default: none (the
	 * routes sit at the root).
	 */
	readonly prefix?: string;
	/** The names of the Durable Object bindings. Default: `ROOMS` and `DIRECTORY`. */
	readonly bindings?: StateroomBindings;
}

export function createStateroom<Registry extends ServiceRegistry>(
	registry: Registry,
	options: StateroomOptions = {},
): Stateroom<Registry> {
	const prefix = parsePrefix(options.prefix);
	const bindings = resolveBindings(options.bindings);
	const catalog = new ServiceCatalog(defineServices<ServiceRegistry>(registry));
	deployCatalog(catalog);
	deployBindings(bindings);
	const router = createRouter(catalog, options, { prefix, bindings });
	const adminBase = `${prefix}${ADMIN_API}`;
	const admin = createAdminApi(catalog, adminBase, bindings);

	const route = async (request: Request, env: object, ctx: WaitUntil): Promise<Response | null> => {
		const { pathname } = new URL(request.url);
		if (!isUnder(pathname, prefix)) return null;
		if (isUnder(pathname, adminBase)) {
			// Development servers (`stateroom dev`, `serve`) answer loopback hosts only (see host.ts).
			const refused = hostRefusal(request, env);
			if (refused) return refused;
			return admin.fetch(request, env, ctx);
		}
		return (await router.fetch(request, env, ctx)) ?? null;
	};

	const worker = {
		fetch: async (request, env, ctx) => {
			// The check covers every path here, not only Stateroom's: this Worker serves nothing else.
			const refused = hostRefusal(request, env);
			if (refused) return refused;
			return (await route(request, env, ctx)) ?? notFound(request, prefix);
		},
	} satisfies ExportedHandler<StateroomEnv>;
	return {
		route,
		worker,
		room: (env, service, roomId) => roomHandle(catalog, bindings, env, service, roomId),
	};
}

function hostRefusal(request: Request, env: HostCheckEnv): Response | undefined {
	try {
		checkHost(request, env);
		return undefined;
	} catch (error) {
		if (error instanceof HttpError) return error.toResponse();
		throw error;
	}
}

function notFound(request: Request, prefix: string): Response {
	return new HttpError(
		404,
		`Not found: ${quoteForLog(new URL(request.url).pathname)}. Rooms are at ${prefix}/ws/:room and ${prefix}/s/:service/ws/:room, their HTTP handlers at ${prefix}/s/:service/rooms/:room/...; health at ${prefix}/status.`,
	).toResponse();
}
