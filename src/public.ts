/** Everything a service author imports: `import { ... } from "stateroom"`. */
export * from "./service/index.ts";
export { defineServices, type ServiceDefinition, type ServiceRegistry } from "./registry.ts";
export { createStateroom } from "./stateroom.ts";
