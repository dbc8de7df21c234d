/**
 * Builds a deployment from a service registry: the Worker's fetch handler and the room
 * Durable Object class, which the entry module exports.
 */
import { defineServices, type ServiceRegistry, Services } from "./registry.ts";
import { createRoomClass } from "./room/room.ts";
import { createRouter, type RoomsEnv } from "./router.ts";

export function createStateroom(registry: ServiceRegistry) {
	const services = new Services(defineServices(registry));
	const router = createRouter(services);
	const worker = {
		fetch: (request: Request, env: RoomsEnv, ctx: ExecutionContext) => router.fetch(request, env, ctx),
	} satisfies ExportedHandler<RoomsEnv>;
	return { worker, Room: createRoomClass(services) };
}
