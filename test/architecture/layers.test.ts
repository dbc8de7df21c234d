/**
 * The layering of src/: every relative import in a module points to its own layer or a lower
 * one, so a folder can be read without the ones above it. The order is docs/architecture.md's
 * ("Project layout").
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Layers from the bottom up; a path matches the first prefix that fits. */
const LAYERS: readonly (readonly string[])[] = [
	// The built-ins the host relies on, captured before any service runs: below everything.
	["intrinsics.ts"],
	["naming.ts", "errors.ts", "log.ts"],
	["api/"],
	["engine.ts"],
	["typescript/", "wasm/"],
	["settings.ts"],
	["registry.ts"],
	["directory/"],
	["room/"],
	["access/"],
	["router.ts"],
	["admin/"],
	["stateroom.ts"],
	["public.ts", "index.ts"],
];

function layerOf(path: string): number {
	const index = LAYERS.findIndex((prefixes) => prefixes.some((prefix) => path.startsWith(prefix)));
	if (index === -1) throw new Error(`src/${path} is in no layer: add it to LAYERS here and to docs/architecture.md.`);
	return index;
}

/** Siblings in one layer may import each other, except the two engines, which stay apart. */
function mayImport(from: string, to: string): boolean {
	const [a, b] = [layerOf(from), layerOf(to)];
	if (a !== b) return b < a;
	const folder = (file: string) => file.split("/")[0];
	const isEngine = (file: string) => file.startsWith("typescript/") || file.startsWith("wasm/");
	return !(isEngine(from) && folder(from) !== folder(to));
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
	});
}

function relativeImports(file: string): string[] {
	const text = readFileSync(file, "utf8");
	return [...text.matchAll(/^(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/gm)].map((match) => match[1] as string);
}

describe("src layering", () => {
	const files = sourceFiles(SRC).map((file) => relative(SRC, file));

	it("places every module of src/ in a layer", () => {
		expect(files.length).toBeGreaterThan(10);
		for (const file of files) expect(() => layerOf(file)).not.toThrow();
	});

	it("has no import that runs back up a layer, or across from one engine to the other", () => {
		const violations: string[] = [];
		for (const file of files) {
			for (const target of relativeImports(join(SRC, file))) {
				const resolved = relative(SRC, resolve(dirname(join(SRC, file)), target));
				// Built artefacts (build/wasm/*.wasm) sit outside src/ and below every layer.
				if (resolved.startsWith("..")) continue;
				if (!mayImport(file, resolved)) violations.push(`src/${file} imports src/${resolved}`);
			}
		}
		expect(violations).toEqual([]);
	});

	it("catches an upward import (the check itself can fail)", () => {
		expect(mayImport("api/service.ts", "room/room.ts")).toBe(false);
		expect(mayImport("wasm/guest.ts", "typescript/class-engine.ts")).toBe(false);
		expect(mayImport("room/room.ts", "api/payload.ts")).toBe(true);
	});
});
