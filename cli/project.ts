/**
 * The project the CLI works on: the nearest folder, from the current one upwards, that holds
 * both a wrangler.toml and a package.json (as wrangler itself looks for its config).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CliError } from "./errors.ts";

export interface Project {
	readonly root: string;
	/** `root`-relative path to an absolute one. */
	path(...parts: string[]): string;
}

export function findProject(from = process.cwd()): Project {
	let dir = resolve(from);
	for (;;) {
		if (existsSync(join(dir, "wrangler.toml")) && existsSync(join(dir, "package.json"))) {
			const root = dir;
			return { root, path: (...parts) => join(root, ...parts) };
		}
		const parent = dirname(dir);
		if (parent === dir) {
			throw new CliError(
				`No Stateroom project in ${resolve(from)} or its parents (no folder with both wrangler.toml and package.json).`,
				"Run stateroom from inside the project folder (where wrangler.toml is).",
			);
		}
		dir = parent;
	}
}

/** The services a project registers, as written in its source (the CLI never runs it). */
export interface ServiceNames {
	readonly default: string | undefined;
	readonly names: readonly string[];
}

/**
 * Reads the service names from services/index.ts and the records it spreads
 * (services/rust.ts, services/c.ts, services/assemblyscript.ts). A name is a key of the `services: { ... }`
 * object or of those records; spreads and comments are skipped.
 */
export function listServices(project: Project): ServiceNames {
	const index = readText(project.path("services/index.ts"));
	const defaultName = /\bdefault:\s*"([^"]+)"/.exec(index)?.[1];
	const names = new Set(objectKeys(between(index, /\bservices:\s*\{/)));
	for (const file of ["services/rust.ts", "services/c.ts", "services/assemblyscript.ts"]) {
		const source = readText(project.path(file));
		for (const name of objectKeys(between(source, /Record<string,\s*ServiceDefinition>\s*=\s*\{/))) names.add(name);
	}
	return { default: defaultName, names: [...names] };
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
