/**
 * Meters, in place, every WebAssembly module that the service registry (services/) imports
 * and that no builder here made: modules built elsewhere, e.g. by Rust's stateroom-wasm crate
 * and copied into the project. The host refuses unmetered modules, and `npm run dev`,
 * `stateroom build` and `stateroom deploy` all run this build first. A module this project's
 * meter already metered is left as it is; a re-copied original is metered again; a module whose
 * meter section this project's meter did not write (metered elsewhere, or forged) fails the build.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { UNBUILT_SECTION } from "./placeholder.mjs";

export const name = "metering modules imported by services/";

const WASM_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"']+\.wasm)["']/g;

export async function build({ root, module, folder = "services" }) {
	const files = importedModules(root, folder);
	if (files.length === 0) return;
	// Loaded only when there is something to meter: the meter makes the project's key on first use.
	const { checkSealed, meterFile, meterInfo } = await import("./meter.mjs");
	for (const file of files) {
		const from = relative(root, file);
		const bytes = readFileSync(file);
		if (bytes.subarray(0, 64).includes(Buffer.from(UNBUILT_SECTION))) continue;
		if (meterInfo(bytes) !== undefined) {
			// Ours and unchanged: metering it again would meter the meter's own code.
			checkSealed(bytes, from);
			continue;
		}
		await meterFile(file, file, from);
		module(from, "metered in place");
	}
}

/**
 * The .wasm files that sources under services/ (or `folder`, a project's services folder) import,
 * resolved; missing ones are wrangler's to report.
 */
export function importedModules(root, folder = "services") {
	const dir = join(root, folder);
	const found = new Set();
	if (!existsSync(dir)) return [];
	// A services module at a project's root (folder ""): the root's own files only, not node_modules.
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: folder !== "" })) {
		if (!entry.isFile() || !/\.(ts|mts|js|mjs)$/.test(entry.name)) continue;
		const source = join(entry.parentPath, entry.name);
		for (const match of readFileSync(source, "utf8").matchAll(WASM_IMPORT)) {
			const file = resolve(dirname(source), match[1]);
			if (existsSync(file)) found.add(file);
		}
	}
	return [...found].sort();
}
