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
 */
import { checkHost, type HostCheckEnv } from "./access/index.ts";
import { ADMIN_API, type AdminApiEnv, createAdminApi } from "./admin/api.ts";
import { HttpError } from "./errors.ts";
import { defineServices, deployCatalog, ServiceCatalog, type ServiceRegistry } from "./registry.ts";
import { createRouter, type RouterOptions } from "./router.ts";

/** The bindings and vars the Worker reads. */
export type StateroomEnv = AdminApiEnv & HostCheckEnv;

export interface Stateroom {
	readonly worker: ExportedHandler<StateroomEnv>;
}

/** Options of a deployment as a whole (per-service settings go in `defineServices`). */
export type StateroomOptions = RouterOptions;

export function createStateroom(registry: ServiceRegistry, options: StateroomOptions = {}): Stateroom {
	const catalog = new ServiceCatalog(defineServices(registry));
	deployCatalog(catalog);
	const router = createRouter(catalog, options);
	const admin = createAdminApi(catalog);
	const worker = {
		fetch: (request, env, ctx) => {
			// Development servers (`stateroom dev`, `serve`) answer loopback hosts only (see host.ts).
			try {
				checkHost(request, env);
			} catch (error) {
				if (error instanceof HttpError) return error.toResponse();
				throw error;
			}
			const { pathname } = new URL(request.url);
			const isAdmin = pathname === ADMIN_API || pathname.startsWith(`${ADMIN_API}/`);
			return (isAdmin ? admin : router).fetch(request, env, ctx);
		},
	} satisfies ExportedHandler<StateroomEnv>;
	return { worker };
}
