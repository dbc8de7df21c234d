/**
 * Builds the AssemblyScript services (services/assemblyscript/<name>.ts) into
 * build/wasm/as-<name>.wasm with asc's programmatic API and the SDK's asconfig
 * (release target: optimised for speed and size, incremental GC, state-exporting transform).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const name = "AssemblyScript services";

export async function build({ root, log }) {
	let asc;
	try {
		asc = (await import("assemblyscript/asc")).default;
	} catch (error) {
		throw new Error(
			`the AssemblyScript compiler is not installed (${error instanceof Error ? error.message : error}); run \`npm ci\` in ${root} to install the "assemblyscript" dev dependency.`,
		);
	}
	const sources = join(root, "services/assemblyscript");
	// An absolute config path: asc resolves the config's relative `transform` entry against the
	// config's directory only when that directory is absolute (otherwise as a package name).
	const config = join(root, "sdk/assemblyscript/asconfig.json");
	const services = readdirSync(sources).filter((file) => file.endsWith(".ts"));
	// Every service depends on the whole SDK, so any SDK change rebuilds them all.
	const sdkChanged = Math.max(newestChange(join(root, "sdk/assemblyscript")), statSync(fileURLToPath(import.meta.url)).mtimeMs);
	for (const file of services) {
		const service = file.slice(0, -".ts".length);
		const outFile = join(root, `build/wasm/as-${service}.wasm`);
		if (builtAt(outFile) > Math.max(sdkChanged, statSync(join(sources, file)).mtimeMs)) {
			log(`build/wasm/as-${service}.wasm is up to date`);
			continue;
		}
		const stderr = asc.createMemoryStream();
		const { error } = await asc.main(
			[join(sources, file), "--config", config, "--target", "release", "--outFile", outFile, "--baseDir", root],
			{ stdout: asc.createMemoryStream(), stderr },
		);
		const diagnostics = stderr.toString().trim();
		if (error) {
			throw new Error(`asc could not compile services/assemblyscript/${file}:\n${diagnostics || error.message}`);
		}
		if (diagnostics) log(diagnostics);
		log(`services/assemblyscript/${file} -> build/wasm/as-${service}.wasm`);
	}
}

/** The latest modification time of the files under `dir`. */
function newestChange(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
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
