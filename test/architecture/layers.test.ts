/**
 * The layering of the project, written here and nowhere else (the docs point to this file):
 * every import in a module points to its own layer or a lower one, so a folder can be read
 * without the ones above it, and the library (src/) never depends on a deployment.
 *
 * Folders, from the bottom up, and what each may import besides itself:
 *
 * - `src/`: the library, in the layers of SRC_LAYERS below; built artefacts (build/).
 * - `client/`: nothing (it ships to browsers on its own, as `stateroom/client`).
 * - `services/`: the library's public entries (`stateroom`, src/public.ts; `stateroom/yjs`,
 *   src/yjs/index.ts); build/ and sdk/.
 * - `app/`: the deployment's Worker entry: the library's public entry and services/.
 * - `cli/`: src/ (the same naming rules, token signing and ABI check the Worker uses) and the
 *   WebAssembly build in scripts/.
 * - `public/`: the pages, bundled for the browser: client/ and services/' shared protocol
 *   modules; from src/, types from anywhere (erased, nothing ships) and values only from the
 *   bottom layers (up to naming.ts, errors.ts and log.ts), which depend on no platform.
 */
import { describe, expect, it } from "vitest";
import { type Import, modules, projectImports } from "./imports.ts";

/** Layers of src/ from the bottom up; a path matches the first prefix that fits. */
const SRC_LAYERS: readonly (readonly string[])[] = [
	// The built-ins the host relies on, captured before any service runs: below everything.
	["intrinsics.ts"],
	["naming.ts", "errors.ts", "log.ts"],
	["api/"],
	["engine.ts"],
	["typescript/", "wasm/"],
	["settings.ts"],
	["registry.ts"],
	["bindings.ts"],
	["directory/"],
	// Published services: their catalog, the isolate a room runs one in, and the guest runtime.
	["publish/"],
	["room/"],
	// The guest runtime: the engines and the room's own checks, as they run in a published service's isolate.
	["guest/"],
	["access/"],
	["router.ts", "room-handle.ts"],
	["admin/"],
	["mount.ts"],
	["stateroom.ts"],
	["public.ts"],
	// `stateroom/yjs`, a second public entry: a service built on the service API.
	["yjs/"],
];

/** The highest layer of src/ whose modules depend on no platform, so a page may bundle them. */
const PLATFORM_FREE_LAYER = SRC_LAYERS.findIndex((layer) => layer.includes("naming.ts"));

/** The package's public entries (`import ... from "stateroom"`, `"stateroom/yjs"`). */
const PUBLIC_ENTRIES = ["src/public.ts", "src/yjs/index.ts"];

function srcLayerOf(path: string): number {
	const inSrc = path.slice("src/".length);
	const index = SRC_LAYERS.findIndex((prefixes) => prefixes.some((prefix) => inSrc.startsWith(prefix)));
	if (index === -1)
		throw new Error(`${path} is in no layer: add it to SRC_LAYERS in test/architecture/layers.test.ts.`);
	return index;
}

/** Within src/: siblings in one layer may import each other, except the two engines, which stay apart. */
function srcMayImport(from: string, to: string): boolean {
	const [a, b] = [srcLayerOf(from), srcLayerOf(to)];
	if (a !== b) return b < a;
	const folder = (file: string) => file.split("/")[1];
	const isEngine = (file: string) => /^src\/(typescript|wasm)\//.test(file);
	return !(isEngine(from) && folder(from) !== folder(to));
}

const under = (path: string, ...folders: string[]) => folders.some((folder) => path.startsWith(`${folder}/`));

/** Whether one import keeps to the layering. */
function mayImport({ from, to, typeOnly }: Import): boolean {
	if (under(from, "src")) return under(to, "src") ? srcMayImport(from, to) : under(to, "build");
	if (under(from, "client")) return under(to, "client");
	if (under(from, "services")) return PUBLIC_ENTRIES.includes(to) || under(to, "services", "build", "sdk");
	if (under(from, "app")) return PUBLIC_ENTRIES.includes(to) || under(to, "app", "services");
	if (under(from, "cli")) return under(to, "cli", "src", "scripts");
	if (under(from, "public")) {
		if (under(to, "src")) return typeOnly || srcLayerOf(to) <= PLATFORM_FREE_LAYER;
		return under(to, "public", "client", "services");
	}
	throw new Error(`${from} is in no folder the layering knows: add its folder to test/architecture/layers.test.ts.`);
}

describe("layering", () => {
	const imports = projectImports();

	it("places every module of src/ in a layer", () => {
		const files = modules("src");
		expect(files.length).toBeGreaterThan(10);
		for (const file of files) expect(() => srcLayerOf(file)).not.toThrow();
	});

	it("has no import that runs back up a layer, or across from one engine to the other", () => {
		const violations = imports
			.filter((edge) => !mayImport(edge))
			.map(({ from, to, typeOnly }) => `${from} imports ${typeOnly ? "types from " : ""}${to}`);
		expect(violations).toEqual([]);
	});

	it("catches an upward import (the check itself can fail)", () => {
		const edge = (from: string, to: string, typeOnly = false): Import => ({ from, to, typeOnly });
		expect(mayImport(edge("src/api/service.ts", "src/room/room.ts"))).toBe(false);
		expect(mayImport(edge("src/wasm/guest.ts", "src/typescript/class-engine.ts"))).toBe(false);
		expect(mayImport(edge("src/room/room.ts", "src/api/payload.ts"))).toBe(true);
		expect(mayImport(edge("src/stateroom.ts", "services/index.ts"))).toBe(false);
		expect(mayImport(edge("src/stateroom.ts", "app/worker.ts"))).toBe(false);
		expect(mayImport(edge("client/socket.ts", "src/errors.ts"))).toBe(false);
		expect(mayImport(edge("services/counter.ts", "src/room/room.ts"))).toBe(false);
		expect(mayImport(edge("services/counter.ts", "src/public.ts"))).toBe(true);
		expect(mayImport(edge("public/admin/src/api.ts", "src/admin/api.ts"))).toBe(false);
		expect(mayImport(edge("public/admin/src/api.ts", "src/admin/api.ts", true))).toBe(true);
		expect(mayImport(edge("public/src/room.ts", "src/naming.ts"))).toBe(true);
		expect(mayImport(edge("cli/commands/serve.ts", "public/src/room.ts"))).toBe(false);
	});
});
