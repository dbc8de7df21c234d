/**
 * Builds the AssemblyScript services (services/assemblyscript/<name>.ts) into
 * build/wasm/as-<name>.wasm, and with `fixtures` the SDK's test fixtures (sdk/assemblyscript/test/<name>.ts)
 * into build/fixtures/as-<name>.wasm, with asc's programmatic API and the SDK's asconfig
 * (release target: optimised for speed and size, incremental GC, state-exporting transform),
 * then metered (scripts/build/meter.mjs).
 * A module newer than its source, the SDK and this script is left as it is.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { METER_FILES, meterFile } from "./meter.mjs";

export const name = "AssemblyScript (services and SDK fixtures)";

export async function build({ root, fixtures, module, warn }) {
	const asc = await loadCompiler(root);
	// An absolute config path: asc resolves the config's relative `transform` entry against the
	// config's directory only when that directory is absolute (otherwise as a package name).
	const config = join(root, "sdk/assemblyscript/asconfig.json");
	// Every module depends on the whole SDK, so any SDK change rebuilds them all.
	const sdkChanged = Math.max(
		newestChange(join(root, "sdk/assemblyscript")),
		statSync(fileURLToPath(import.meta.url)).mtimeMs,
		...METER_FILES.map((file) => statSync(file).mtimeMs),
	);
	const jobs = [
		...sourcesIn(join(root, "services/assemblyscript")).map((source) => [source, "build/wasm"]),
		...(fixtures ? sourcesIn(join(root, "sdk/assemblyscript/test")).map((source) => [source, "build/fixtures"]) : []),
	];
	for (const [source, outDir] of jobs) {
		const output = `${outDir}/as-${source.name.slice(0, -".ts".length)}.wasm`;
		const outFile = join(root, output);
		const from = relative(root, source.path);
		if (builtAt(outFile) > Math.max(sdkChanged, statSync(source.path).mtimeMs)) {
			module(output, "up to date");
			continue;
		}
		const started = Date.now();
		const stderr = asc.createMemoryStream();
		// Written aside and renamed, so that a concurrent `wrangler dev` never loads half a module.
		const partFile = `${outFile}.${process.pid}.part`;
		const { error } = await asc.main(
			[source.path, "--config", config, "--target", "release", "--outFile", partFile, "--baseDir", root],
			{ stdout: asc.createMemoryStream(), stderr },
		);
		const diagnostics = stderr.toString().trim();
		if (error) {
			rmSync(partFile, { force: true });
			throw new Error(`asc could not compile ${from}:\n${diagnostics || error.message}${hint(diagnostics)}`);
		}
		if (diagnostics) warn(`asc on ${from}:\n${diagnostics}`);
		checkExports(partFile, from);
		try {
			await meterFile(partFile, outFile);
		} finally {
			rmSync(partFile, { force: true });
		}
		const kb = (statSync(outFile).size / 1024).toFixed(1);
		module(output, `built from ${from} (${kb} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
	}
}

const ABI_EXPORTS = [
	"memory",
	"stateroom_malloc",
	"stateroom_free",
	"stateroom_recv",
	"STATEROOM_API_VERSION",
	"STATEROOM_API_PROTOCOL",
];
const REEXPORT_FIX =
	'add `export * from "../../sdk/assemblyscript/abi";` (the path relative to the file) next to its imports';

/** asc's message for a missing SDK is about the abort handler; say what the fix is. */
function hint(diagnostics) {
	return diagnostics.includes("stateroomAbort") || diagnostics.includes("stateroomSeed")
		? `\nThe SDK is not part of this module: ${REEXPORT_FIX}.`
		: "";
}

/** A module without the ABI's exports compiles fine and fails only in the host: fail here instead. */
function checkExports(outFile, from) {
	const exported = new Set(
		WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(outFile))).map((e) => e.name),
	);
	const missing = ABI_EXPORTS.filter((name) => !exported.has(name));
	if (missing.length > 0) {
		rmSync(outFile);
		throw new Error(`${from} does not export ${missing.join(", ")}: ${REEXPORT_FIX}.`);
	}
}

async function loadCompiler(root) {
	try {
		return (await import("assemblyscript/asc")).default;
	} catch (error) {
		throw new Error(
			`the AssemblyScript compiler is not installed (${error instanceof Error ? error.message : error}); run \`npm ci\` in ${root} to install the "assemblyscript" dev dependency.`,
		);
	}
}

/** The `.ts` files directly in `dir`, as `{ name, path }`. */
function sourcesIn(dir) {
	return readdirSync(dir)
		.filter((file) => file.endsWith(".ts"))
		.map((file) => ({ name: file, path: join(dir, file) }));
}

/** The latest modification time of the sources and settings under `dir` (not its README). */
function newestChange(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile() && /\.(ts|mjs|json)$/.test(entry.name)) {
			newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
		}
	}
	return newest;
}

/** When `file` was written, or 0 if it does not exist. */
function builtAt(file) {
	try {
		return statSync(file).mtimeMs;
	} catch {
		return 0;
	}
}
