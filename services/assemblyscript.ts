/** WebAssembly services written in AssemblyScript (services/assemblyscript), registered by name. */
import type { ServiceDefinition } from "stateroom";

export const assemblyScriptServices: Record<string, ServiceDefinition> = {};
