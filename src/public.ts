/** Everything a service author imports: `import { ... } from "stateroom"`. */
export { defineServices, type ServiceDefinition, type ServiceRegistry } from "./registry.ts";
export * from "./service/index.ts";
export { createStateroom } from "./stateroom.ts";
