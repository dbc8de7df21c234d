/**
 * Checks a WebAssembly module against the Stateroom ABI before `stateroom serve` runs it, so a
 * wrong module is refused at the command line instead of failing inside a room.
 *
 * It uses the host's own check (src/wasm/abi.ts, `checkModule`: exports, signatures, imports,
 * version globals) so the CLI and the rooms agree. A project without that file falls back to the
 * minimal check below (export names and kinds, per the ABI document).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Project } from "./project.ts";

/** The ABI's required exports and their kinds. */
const REQUIRED: readonly (readonly [string, WebAssembly.ImportExportKind])[] = [
	["memory", "memory"],
	["stateroom_malloc", "function"],
	["stateroom_free", "function"],
	["stateroom_recv", "function"],
	["STATEROOM_API_VERSION", "global"],
	["STATEROOM_API_PROTOCOL", "global"],
];

interface HostAbi {
	checkModule(module: WebAssembly.Module, name: string): Promise<void>;
}

/** Resolves if the module follows the ABI; otherwise rejects with an Error naming what is wrong. */
export async function checkAbi(project: Project, module: WebAssembly.Module, name: string): Promise<void> {
	const host = project.path("src/wasm/abi.ts");
	if (existsSync(host)) {
		const abi = (await import(pathToFileURL(host).href)) as HostAbi;
		await abi.checkModule(module, name);
		return;
	}
	checkExports(module, name);
}

/** The fallback: every required export is present with the right kind. */
export function checkExports(module: WebAssembly.Module, name: string): void {
	const kinds = new Map(WebAssembly.Module.exports(module).map((entry) => [entry.name, entry.kind]));
	for (const [exportName, kind] of REQUIRED) {
		const found = kinds.get(exportName);
		if (found === undefined) throw new Error(`module "${name}" does not export "${exportName}" (a ${kind})`);
		if (found !== kind)
			throw new Error(`module "${name}" exports "${exportName}" as a ${found}, but it must be a ${kind}`);
	}
}
