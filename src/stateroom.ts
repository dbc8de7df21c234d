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
import { defineServices, ServiceCatalog, type ServiceRegistry } from "./registry.ts";
import { createRouter, type RoomsEnv } from "./router.ts";

export interface Stateroom {
	readonly worker: ExportedHandler<RoomsEnv>;
	readonly catalog: ServiceCatalog;
}

export function createStateroom(registry: ServiceRegistry): Stateroom {
	const catalog = new ServiceCatalog(defineServices(registry));
	const router = createRouter(catalog);
	const worker = {
		fetch: (request, env, ctx) => router.fetch(request, env, ctx),
	} satisfies ExportedHandler<RoomsEnv>;
	return { worker, catalog };
}
