/**
 * WebAssembly services written in AssemblyScript (services/assemblyscript/*.ts, built with the
 * SDK in sdk/assemblyscript by `npm run build:wasm` into build/wasm/as-*.wasm), registered by name.
 */
import type { ServiceDefinition } from "stateroom";
import asClock from "../build/wasm/as-clock.wasm";
import asCounter from "../build/wasm/as-counter.wasm";
import asEcho from "../build/wasm/as-echo.wasm";
import asWhoami from "../build/wasm/as-whoami.wasm";

export const assemblyScriptServices: Record<string, ServiceDefinition> = {
	"as-counter": asCounter,
	"as-echo": asEcho,
	"as-clock": asClock,
	"as-whoami": asWhoami,
};
