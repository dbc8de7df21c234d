/**
 * The project the CLI works on, found by its configuration, not by a folder layout: the nearest
 * folder, from the current one upwards, that holds a package.json and a wrangler config
 * (wrangler.toml, wrangler.jsonc or wrangler.json, as wrangler itself looks for it). From there:
 *
 * - the Worker's entry module is the config's `main`;
 * - the services module (where `defineServices` registers the services, and where `stateroom new`
 *   registers one more) is package.json's `stateroom.services` if set, else the module whose
 *   default export `main` hands to `createStateroom`, else `main` itself when it calls
 *   `defineServices`, else services/index.ts;
 * - the worker tests (where `stateroom new` writes one) are package.json's `stateroom.tests`
 *   if set, else test/worker/ if it exists, else test/;
 * - the path prefix of Stateroom's routes is the `prefix` option `main` gives `createStateroom`
 *   (an app that mounts Stateroom, docs/mounting.md), if it gives one as a string literal.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { CliError } from "./errors.ts";

/** The config file names wrangler reads, in its order of preference. */
export const WRANGLER_CONFIGS = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

export interface Project {
	readonly root: string;
	/** The wrangler config's file name (in `root`). */
	readonly config: string;
	/** The Worker's entry module, `root`-relative (`main` in the config), if it names one. */
	readonly main: string | undefined;
	/** The config's `compatibility_date`, if it sets one. */
	readonly compatibilityDate: string | undefined;
	/** The module that registers the services (`defineServices`), `root`-relative. */
	readonly services: string;
	/** The folder of the worker tests, `root`-relative. */
	readonly tests: string;
	/** The path before Stateroom's routes (`"/rooms"`), or `""` when they sit at the root. */
	readonly prefix: string;
	/** `root`-relative path to an absolute one. */
	path(...parts: string[]): string;
}

/** What a project may say in package.json's `stateroom` section. */
interface StateroomSection {
	readonly services?: unknown;
	readonly tests?: unknown;
}

export function findProject(from = process.cwd()): Project {
	let dir = resolve(from);
	for (;;) {
		const config = WRANGLER_CONFIGS.find((name) => existsSync(join(dir, name)));
		if (config !== undefined && existsSync(join(dir, "package.json"))) return readProject(dir, config);
		const parent = dirname(dir);
		if (parent === dir) {
			throw new CliError(
				`No Stateroom project in ${resolve(from)} or its parents (no folder with both a wrangler config and package.json).`,
				"Run stateroom from inside the project folder (where wrangler.toml or wrangler.jsonc is), or start one with `npx stateroom init my-app`.",
			);
		}
		dir = parent;
	}
}

function readProject(root: string, config: string): Project {
	const path = (...parts: string[]) => join(root, ...parts);
	const settings = readConfig(path(config), config);
	const main = typeof settings.main === "string" ? normalize(settings.main) : undefined;
	const section = stateroomSection(path("package.json"));
	const services = typeof section.services === "string" ? normalize(section.services) : servicesFromMain(root, main);
	const tests =
		typeof section.tests === "string"
			? normalize(section.tests).replace(/\/$/, "")
			: existsSync(path("test/worker"))
				? "test/worker"
				: "test";
	return {
		root,
		config,
		main,
		compatibilityDate: typeof settings.compatibility_date === "string" ? settings.compatibility_date : undefined,
		services,
		tests,
		prefix: prefixFromMain(root, main),
		path,
	};
}

/** `./src/x.ts` as `src/x.ts`. */
function normalize(path: string): string {
	return path.replace(/^\.\//, "");
}

/**
 * The few top-level settings the CLI reads from a wrangler config. TOML: `key = "value"` lines
 * before the first table; JSON and JSONC: parsed after removing comments and trailing commas.
 */
export function readConfig(file: string, name = file): Record<string, unknown> {
	const text = readFileSync(file, "utf8");
	if (name.endsWith(".toml")) {
		const settings: Record<string, unknown> = {};
		for (const line of text.split("\n")) {
			if (/^\s*\[/.test(line)) break;
			const match = /^\s*([A-Za-z_][\w-]*)\s*=\s*"([^"]*)"/.exec(line);
			if (match) settings[match[1] as string] = match[2];
		}
		return settings;
	}
	try {
		const parsed: unknown = JSON.parse(withoutJsonComments(text));
		return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
	} catch (error) {
		throw new CliError(
			`${file} is not valid JSON${name.endsWith(".jsonc") ? " (with comments)" : ""}: ${(error as Error).message}.`,
			"Fix the file (wrangler cannot read it either), then run the command again.",
		);
	}
}

/** JSONC to JSON: comments and trailing commas out, strings left alone. */
function withoutJsonComments(text: string): string {
	return text
		.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, string: string | undefined) => string ?? "")
		.replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (match, string: string | undefined, close: string | undefined) =>
			string !== undefined ? match : (close ?? ""),
		);
}

function stateroomSection(file: string): StateroomSection {
	try {
		const manifest = JSON.parse(readFileSync(file, "utf8")) as { stateroom?: unknown };
		return typeof manifest.stateroom === "object" && manifest.stateroom !== null
			? (manifest.stateroom as StateroomSection)
			: {};
	} catch {
		return {};
	}
}

/**
 * The services module as the entry module names it: `createStateroom(services ...)` with
 * `import services from "./services/index.ts"`, or the entry itself when it calls
 * `defineServices`; services/index.ts when neither is found.
 */
function servicesFromMain(root: string, main: string | undefined): string {
	const fallback = "services/index.ts";
	if (main === undefined || !existsSync(join(root, main))) return fallback;
	const source = readFileSync(join(root, main), "utf8");
	const argument = /\bcreateStateroom\(\s*([A-Za-z_$][\w$]*)/.exec(source)?.[1];
	if (argument !== undefined) {
		const from = new RegExp(`\\bimport\\s+${argument.replace(/\$/g, "\\$")}\\s+from\\s+["'](\\.[^"']+)["']`).exec(
			source,
		)?.[1];
		if (from !== undefined) return relative(root, resolve(root, dirname(main), from));
	}
	return /\bdefineServices\(/.test(source) ? main : fallback;
}

/** `createStateroom(services, { prefix: "/rooms" })` in the entry module: `"/rooms"`. */
function prefixFromMain(root: string, main: string | undefined): string {
	if (main === undefined || !existsSync(join(root, main))) return "";
	const source = readFileSync(join(root, main), "utf8");
	const call = source.slice(Math.max(0, source.search(/\bcreateStateroom\(/)));
	const prefix = /\bprefix:\s*["'](\/[A-Za-z0-9\-._~/]*)["']/.exec(call)?.[1];
	return prefix === undefined ? "" : prefix.replace(/\/+$/, "");
}

/** The services a project registers, as written in its source (the CLI never runs it). */
export interface ServiceNames {
	readonly default: string | undefined;
	readonly names: readonly string[];
}

/**
 * Reads the service names from the services module and the records it spreads: a name is a
 * key of its `services: { ... }` object or of a `Record<string, ServiceDefinition> = { ... }`
 * in a module it imports (this repository's services/rust.ts, c.ts and assemblyscript.ts);
 * spreads and comments are skipped.
 */
export function listServices(project: Project): ServiceNames {
	const index = readText(project.path(project.services));
	const defaultName = /\bdefault:\s*"([^"]+)"/.exec(index)?.[1];
	const names = new Set(objectKeys(between(index, /\bservices:\s*\{/)));
	for (const imported of relativeImports(index)) {
		const source = readText(resolve(project.path(dirname(project.services)), imported));
		for (const name of objectKeys(between(source, /Record<string,\s*ServiceDefinition>\s*=\s*\{/))) names.add(name);
	}
	return { default: defaultName, names: [...names] };
}

function relativeImports(source: string): string[] {
	return [...source.matchAll(/\bfrom\s+["'](\.\.?\/[^"']+\.[mc]?[jt]s)["']/g)].map((match) => match[1] as string);
}

function readText(path: string): string {
	return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** The text of the `{ ... }` block that starts where `opening` matches (braces balanced). */
function between(source: string, opening: RegExp): string {
	const match = opening.exec(source);
	if (!match) return "";
	let depth = 1;
	const start = match.index + match[0].length;
	for (let i = start; i < source.length; i++) {
		if (source[i] === "{") depth++;
		else if (source[i] === "}" && --depth === 0) return source.slice(start, i);
	}
	return "";
}

/** Top-level keys of an object literal's body: `name:`, `"name":`, or shorthand `name,`. */
function objectKeys(body: string): string[] {
	const withoutComments = body.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
	const keys: string[] = [];
	for (const entry of withoutComments.split(",")) {
		const match = /^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z_$][\w$]*))\s*(?::|$)/.exec(entry);
		const key = match?.[1] ?? match?.[2] ?? match?.[3];
		if (key && !entry.trim().startsWith("...")) keys.push(key);
	}
	return keys;
}
