/**
 * Compiles the benchmark's WAT guest (bench/guests/ladder.wat) with the npm `wabt` package and
 * meters it like every guest (scripts/build/meter.mjs: fuel, memory cap, dirty-page tracking) into
 * build/bench/ladder.wasm, which bench/worker.ts imports. `npm run bench` runs it first.
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { meter } from "../scripts/build/meter.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const LADDER_WASM = join(root, "build/bench/ladder.wasm");

export async function buildGuest() {
	const source = join(root, "bench/guests/ladder.wat");
	const wabt = await (await import("wabt")).default();
	const module = wabt.parseWat(source, readFileSync(source, "utf8"), { bulk_memory: true });
	try {
		module.validate();
		mkdirSync(dirname(LADDER_WASM), { recursive: true });
		const bytes = new Uint8Array(module.toBinary({}).buffer);
		writeFileSync(LADDER_WASM, await meter(bytes, "bench/guests/ladder.wat"));
	} catch (error) {
		throw new Error(`bench/guests/ladder.wat does not compile: ${error.message}`);
	} finally {
		module.destroy();
	}
	return LADDER_WASM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	process.stdout.write(`${await buildGuest()}\n`);
}
