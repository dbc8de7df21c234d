/**
 * Builds a deployment from a service registry: the Worker's fetch handler and the catalog of
 * services that the entry module's `Room` subclass serves.
 *
 * @example
 * // src/index.ts
 * const stateroom = createStateroom(services);
 * export class Room extends StateroomRoom {
 *   protected override readonly catalog = stateroom.catalog;
 * }
 * export default stateroom.worker;
 */
import { ADMIN_API, type AdminApiEnv, createAdminApi } from "./admin/api.ts";
import { defineServices, ServiceCatalog, type ServiceRegistry } from "./registry.ts";
import { createRouter } from "./router.ts";

export interface Stateroom {
	readonly worker: ExportedHandler<AdminApiEnv>;
	readonly catalog: ServiceCatalog;
}

export function createStateroom(registry: ServiceRegistry): Stateroom {
	const catalog = new ServiceCatalog(defineServices(registry));
	const router = createRouter(catalog);
	const admin = createAdminApi(catalog);
	const worker = {
		fetch: (request, env, ctx) => {
			const { pathname } = new URL(request.url);
			const isAdmin = pathname === ADMIN_API || pathname.startsWith(`${ADMIN_API}/`);
			return (isAdmin ? admin : router).fetch(request, env, ctx);
		},
	} satisfies ExportedHandler<AdminApiEnv>;
	return { worker, catalog };
}
