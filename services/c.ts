/** WebAssembly services built from C (guests/c, clang + wasi-libc) by `npm run build:wasm`, registered by name. */
import type { ServiceDefinition } from "stateroom";
import counter from "../build/wasm/c-counter.wasm";
import echo from "../build/wasm/c-echo.wasm";

export const cServices: Record<string, ServiceDefinition> = {
	"c-counter": counter,
	"c-echo": echo,
};
