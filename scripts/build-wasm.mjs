#!/usr/bin/env node
/**
 * Builds every WebAssembly guest from source into build/: services into build/wasm/, test
 * fixtures into build/fixtures/. Each toolchain has its own builder in scripts/build/; this
 * script runs them in turn and prints progress. `npm run dev`, `npm test` and deploys run it.
 *
 * A builder exports `name` and `async build({ root, log })`, and throws an Error whose
 * message says what is missing and how to install it.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const builders = ["wat.mjs", "rust.mjs", "assemblyscript.mjs"];

mkdirSync(join(root, "build/wasm"), { recursive: true });
mkdirSync(join(root, "build/fixtures"), { recursive: true });

const started = Date.now();
for (const file of builders) {
	let builder;
	try {
		builder = await import(`./build/${file}`);
	} catch (error) {
		if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(file)) continue;
		throw error;
	}
	const t0 = Date.now();
	process.stdout.write(`[build-wasm] ${builder.name}...\n`);
	try {
		await builder.build({ root, log: (line) => process.stdout.write(`[build-wasm]   ${line}\n`) });
	} catch (error) {
		process.stderr.write(`[build-wasm] ${builder.name} failed: ${error instanceof Error ? error.message : error}\n`);
		process.exit(1);
	}
	process.stdout.write(`[build-wasm] ${builder.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`[build-wasm] all guests built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
