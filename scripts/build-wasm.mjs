#!/usr/bin/env node
/**
 * Builds every WebAssembly guest from source into build/: services into build/wasm/ and, with
 * `--fixtures` (as `npm test` and `npm run bench` run it), the test fixtures into
 * build/fixtures/; `stateroom dev`, `build` and `deploy` build the services only. Every module is metered (scripts/build/meter.mjs: fuel per
 * event, a memory limit, the build's identity), including modules built elsewhere that the
 * services import, which are metered in place. Each toolchain has its own builder in scripts/build/; this
 * script runs them in turn and prints one line per module of build/wasm/ (everything, with
 * `--verbose`). It writes a module only when its bytes change, so a running `wrangler dev`
 * reloads once per change. `npm run dev`, `npm test` and deploys run it.
 *
 * A builder exports `name` and `async build({ root, fixtures, log, module, warn })`: `module(path,
 * status)` reports one output (one line; fixtures' only with --verbose), `log` a detail (only
 * with --verbose), `warn` what the user must see (compiler warnings). It throws an Error whose
 * message says what is missing and how to install it. A builder whose toolchain comes from
 * outside npm (Rust, C: Debian packages) also exports `outputs(root)` and marks that error
 * `toolchainMissing`: then, unless `--strict` (as `npm test` and CI run it), its modules are
 * replaced by placeholders that the host refuses with that message, and everything else
 * still builds and serves. `npm run dev` works on a machine with nothing but Node.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { placeholder } from "./build/placeholder.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// imported.mjs last: it meters the modules services/ imports that no builder here made.
const builders = ["wat.mjs", "rust.mjs", "c.mjs", "assemblyscript.mjs", "imported.mjs", "guest-runtime.mjs"];
const strict = process.argv.includes("--strict");
const fixtures = process.argv.includes("--fixtures");
const verbose = process.argv.includes("--verbose");
const say = (line) => process.stdout.write(`[build-wasm] ${line}\n`);

mkdirSync(join(root, "build/wasm"), { recursive: true });
if (fixtures) mkdirSync(join(root, "build/fixtures"), { recursive: true });

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
	if (verbose) say(`${builder.name}...`);
	try {
		await builder.build({
			root,
			fixtures,
			log: (...parts) => verbose && say(parts.join(": ")),
			module: (path, status) => (verbose || !path.startsWith("build/fixtures/")) && say(`${path}: ${status}`),
			warn: (text) => process.stderr.write(`[build-wasm] ${text.replaceAll("\n", "\n[build-wasm]   ")}\n`),
		});
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		if (error?.toolchainMissing && !strict && builder.outputs) {
			skip(builder, message);
			continue;
		}
		process.stderr.write(`[build-wasm] ${builder.name} failed: ${message}\n`);
		process.exit(1);
	}
	if (verbose) say(`${builder.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (fixtures) {
	// A placeholder as a fixture, so the worker tests see a room refuse one.
	writeFileSync(join(root, "build/fixtures/unbuilt.wasm"), placeholder("rustc is missing (a test fixture)"));
}
if (verbose) say(`all guests built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/** Keeps modules built earlier; writes a placeholder for each one never built. */
function skip(builder, message) {
	for (const out of builder.outputs(root)) if (!existsSync(out)) writeFileSync(out, placeholder(message));
	process.stderr.write(
		`[build-wasm] warning: ${builder.name} skipped: ${message}\n` +
			"[build-wasm]   Until then their rooms close with code 1011 and this reason; `npm test` needs them built.\n",
	);
}
