/**
 * The import graph of the project's own code, read from the source text (no compiler): every
 * `import`/`export ... from`, side-effect `import "..."` and `import("...")` that names a
 * relative path or the package itself (`stateroom`, `stateroom/client`, `stateroom/yjs`), resolved to a file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The folders whose modules the architecture tests read. */
export const CHECKED_FOLDERS = ["src", "cli", "client", "public", "services", "app"] as const;

/** The package's own names (package.json `exports`), as the files they stand for. */
const SELF_IMPORTS: Readonly<Record<string, string>> = {
	stateroom: "src/public.ts",
	"stateroom/client": "client/index.ts",
	"stateroom/yjs": "src/yjs/index.ts",
};

export interface Import {
	/** Root-relative path of the importing module. */
	readonly from: string;
	/** Root-relative path of the imported file. */
	readonly to: string;
	/** `import type` / `export type`: erased at build time, so nothing of `to` runs or ships. */
	readonly typeOnly: boolean;
}

/** The TypeScript and JavaScript modules under `folder` (root-relative), skipping generated bundles. */
export function modules(folder: string): string[] {
	const dir = join(ROOT, folder);
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = `${folder}/${entry.name}`;
		if (entry.isDirectory()) return entry.name === "node_modules" ? [] : modules(path);
		if (entry.name.endsWith(".d.ts")) return [];
		return /\.(ts|mts|mjs)$/.test(entry.name) ? [path] : [];
	});
}

/**
 * Import statements start a line. An import line inside a template literal (the files the CLI
 * generates) is read too: its relative specifier resolves to no file here and is dropped, and
 * `stateroom` counts as an import of the package's entry, which the CLI may import anyway.
 */
const STATIC = /^\s*(import|export)(\s+type)?\b([^"'`;]*?\bfrom\s*)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(from: string): Import[] {
	const text = readFileSync(join(ROOT, from), "utf8");
	const found: Import[] = [];
	const add = (specifier: string, typeOnly: boolean) => {
		const to = resolveSpecifier(from, specifier);
		if (to !== undefined) found.push({ from, to, typeOnly });
	};
	for (const match of text.matchAll(STATIC)) {
		// `import { type A, type B } from` is as erased as `import type { A, B } from`.
		const clause = match[3] ?? "";
		const allTypes = /^\s*\{\s*type\s[^}]*\}\s*from\s*$/.test(clause) && !/,\s*(?!type\s)\w/.test(clause);
		add(match[4] as string, match[2] !== undefined || allTypes);
	}
	for (const match of text.matchAll(DYNAMIC)) add(match[1] as string, false);
	return found;
}

function resolveSpecifier(from: string, specifier: string): string | undefined {
	const self = SELF_IMPORTS[specifier];
	if (self !== undefined) return self;
	if (!specifier.startsWith(".")) return undefined;
	const target = relative(ROOT, resolve(ROOT, dirname(from), specifier));
	const path = join(ROOT, target);
	return existsSync(path) && statSync(path).isFile() ? target : undefined;
}

/** Every import between the checked folders' modules (and into files outside them, e.g. build/). */
export function projectImports(): Import[] {
	return CHECKED_FOLDERS.flatMap((folder) => modules(folder)).flatMap(importsOf);
}

/**
 * The import circles of a graph: one per strongly connected component of more than one module
 * (or a module importing itself), as the modules in it, sorted. Tarjan's algorithm.
 */
export function importCircles(edges: readonly Pick<Import, "from" | "to">[]): string[][] {
	const next = new Map<string, string[]>();
	for (const { from, to } of edges) {
		next.set(from, [...(next.get(from) ?? []), to]);
		if (!next.has(to)) next.set(to, []);
	}
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const circles: string[][] = [];
	const visit = (node: string) => {
		index.set(node, index.size);
		low.set(node, index.get(node) as number);
		stack.push(node);
		onStack.add(node);
		for (const to of next.get(node) ?? []) {
			if (!index.has(to)) {
				visit(to);
				low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
			} else if (onStack.has(to)) {
				low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
			}
		}
		if (low.get(node) !== index.get(node)) return;
		const component: string[] = [];
		for (;;) {
			const member = stack.pop() as string;
			onStack.delete(member);
			component.push(member);
			if (member === node) break;
		}
		const selfImport = (next.get(node) ?? []).includes(node);
		if (component.length > 1 || selfImport) circles.push(component.sort());
	};
	for (const node of next.keys()) if (!index.has(node)) visit(node);
	return circles;
}
