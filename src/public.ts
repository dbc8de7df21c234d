/** Everything a service author or deployer imports: `import { ... } from "stateroom"`. */
export * from "./api/index.ts";
export { Directory as StateroomDirectory } from "./directory/directory.ts";
export {
	type ConfiguredService,
	defineServices,
	type ServiceDefinition,
	type ServiceImplementation,
	type ServiceRegistry,
} from "./registry.ts";
export { Room as StateroomRoom } from "./room/room.ts";
export type { ServiceLimits, ServiceSettings } from "./settings.ts";
export { createStateroom, type Stateroom } from "./stateroom.ts";
