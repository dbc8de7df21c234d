/** WebAssembly services built from Rust (guests/rust) by `npm run build:wasm`, registered by name. */
import type { ServiceDefinition } from "stateroom";
import binaryEcho from "../build/wasm/rust-binary-echo.wasm";
import clock from "../build/wasm/rust-clock.wasm";
import counter from "../build/wasm/rust-counter.wasm";
import cpuHog from "../build/wasm/rust-cpu-hog.wasm";
import echo from "../build/wasm/rust-echo.wasm";
import randomness from "../build/wasm/rust-randomness.wasm";
import whoami from "../build/wasm/rust-whoami.wasm";

export const rustServices: Record<string, ServiceDefinition> = {
	"rust-echo": echo,
	"rust-counter": counter,
	"rust-clock": clock,
	"rust-randomness": randomness,
	"rust-binary-echo": binaryEcho,
	"rust-cpu-hog": cpuHog,
	"rust-whoami": whoami,
};
