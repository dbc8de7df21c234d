/** Everything a service author or deployer imports: `import { ... } from "stateroom"`. */
// First: the host takes the built-ins it relies on before any service module runs (see intrinsics.ts).
import "./intrinsics.ts";

export type { Authorize, AuthorizeInfo, AuthorizeKind, AuthorizeResult } from "./access/index.ts";
export * from "./api/index.ts";
export type { StateroomBindings } from "./bindings.ts";
export { Directory } from "./directory/directory.ts";
export type { ServiceLanguage } from "./engine.ts";
export type { ServiceName } from "./naming.ts";
export { PublishedServices } from "./publish/published-services.ts";
export {
	type ConfiguredService,
	defineServices,
	type ServiceDefinition,
	type ServiceImplementation,
	type ServiceRegistry,
} from "./registry.ts";
export { Room } from "./room/room.ts";
export type { OutgoingOf, RoomHandle } from "./room-handle.ts";
export type { AccessSettings, ServiceLimits, ServiceSettings } from "./settings.ts";
export { createStateroom, type Stateroom, type StateroomEnv, type StateroomOptions } from "./stateroom.ts";
