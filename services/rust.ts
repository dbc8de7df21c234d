/** WebAssembly services built from Rust (guests/rust), registered by name. */
import type { ServiceDefinition } from "stateroom";

export const rustServices: Record<string, ServiceDefinition> = {};
