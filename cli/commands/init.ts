/**
 * `stateroom init <folder>`: writes a new project that depends on the `stateroom` package, with
 * one service, its test in workerd and a wrangler config, ready for `npm install && npm run dev`.
 * It runs outside any project, on the Node that started it (Node 20 or later): it only writes files.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { type InitNames, projectFiles, TOOLS } from "../init/project-files.ts";
import { detail, info } from "../output.ts";

/** The compatibility date this version of Stateroom is tested with (this repository's wrangler.toml). */
const COMPATIBILITY_DATE = "2026-11-01";

/** What may be in a folder that `init` fills: a fresh `git init` leaves .git. */
const ALLOWED_ENTRIES = new Set([".git"]);

export const init: Command = {
	name: "init",
	summary: "Create a new Stateroom project (a Worker, a service, a test) in a folder",
	help: `Usage: stateroom init <folder> [options]

Writes a new project into <folder> (created if needed; \`.\` for the current one, which must be
empty): package.json depending on the stateroom package, wrangler.toml, the Worker's entry
module (src/worker.ts), a service (services/counter.ts, registered in services/index.ts), a test
that runs it inside workerd (test/counter.test.ts, with @cloudflare/vitest-plugin), a README
and .dev.vars with development secrets. Then:

  cd <folder> && npm install && npm run dev

The project brings its own Node 22 (the \`node\` devDependency), which wrangler needs; npm
runs every script and \`npx stateroom\` command on it.

Options:
  --package <spec>   The stateroom dependency to write (default: ^<this version>), e.g. a
                     tarball from \`npm run package\`: --package file:../stateroom-0.1.0.tgz
  -h, --help         Show this help

Examples:
  npx stateroom init my-app
  npx stateroom init .`,

	options: { package: { type: "string" } },
	positionals: 1,

	async run(parsed) {
		const target = parsed.positionals[0];
		if (target === undefined)
			throw usageError("Missing the folder to create, e.g. `npx stateroom init my-app`.", "init");
		const root = resolve(target);
		checkEmpty(root);
		const names: InitNames = {
			name: projectName(root),
			stateroom: dependency(parsed.values.package, root),
			tools: toolVersions(),
			compatibilityDate: COMPATIBILITY_DATE,
		};
		const secret = () => randomBytes(48).toString("base64");
		const files = projectFiles(names, { token: secret(), admin: secret() });
		info(`creating ${names.name} in ${root}...`);
		for (const [path, text] of Object.entries(files)) {
			mkdirSync(dirname(join(root, path)), { recursive: true });
			writeFileSync(join(root, path), text);
			detail(path);
		}
		const near = relative(process.cwd(), root);
		const where = near.startsWith("..") ? root : near;
		info("next:");
		detail(`${where === "" ? "" : `cd ${where.includes(" ") ? JSON.stringify(where) : where} && `}npm install`);
		detail("npm run dev     # serves on http://127.0.0.1:8080");
		detail("npm test        # runs test/ inside workerd");
		return 0;
	},
};

function checkEmpty(root: string): void {
	if (!existsSync(root)) return;
	if (!statSync(root).isDirectory()) {
		throw new CliError(`${root} exists and is not a folder.`, "Choose a folder name that does not exist yet.");
	}
	const entries = readdirSync(root).filter((entry) => !ALLOWED_ENTRIES.has(entry));
	if (entries.length > 0) {
		const shown = entries.sort().slice(0, 5).join(", ");
		throw new CliError(
			`${root} is not empty (${shown}${entries.length > 5 ? `, and ${entries.length - 5} more` : ""}); init writes into an empty folder only, so that nothing of yours is overwritten.`,
			"Choose a new folder name (`npx stateroom init my-app`), or empty that folder first.",
		);
	}
}

/**
 * The package and Worker name, from the folder's name: lowercase letters, digits and dashes,
 * which both npm and wrangler accept.
 */
function projectName(root: string): string {
	const name = basename(root)
		.toLowerCase()
		.replace(/[^a-z0-9-]+/g, "-")
		.replace(/^-+|-+$/g, "")
		.slice(0, 63)
		.replace(/-+$/, "");
	return name === "" ? "stateroom-app" : name;
}

/** The stateroom dependency: `--package` (a relative `file:` path is made relative to the new project), or `^<version>`. */
function dependency(given: string | boolean | undefined, root: string): string {
	if (typeof given !== "string") return `^${ownManifest().version ?? "0.1.0"}`;
	const file = /^file:(.+)$/.exec(given)?.[1] ?? (/^\.{0,2}\/|\.tgz$/.test(given) ? given : undefined);
	if (file === undefined) return given;
	const absolute = resolve(file);
	if (!existsSync(absolute)) {
		throw new CliError(
			`--package ${given}: ${absolute} does not exist.`,
			"Give the path of the package's .tgz (from `npm run package`) or folder.",
		);
	}
	const path = relative(root, absolute);
	return `file:${path.startsWith(".") ? path : `./${path}`}`;
}

interface Manifest {
	readonly version?: string;
	readonly devDependencies?: Readonly<Record<string, string>>;
	readonly stateroomInit?: { readonly devDependencies?: Readonly<Record<string, string>> };
}

/** This package's package.json (next to cli/). */
function ownManifest(): Manifest {
	return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as Manifest;
}

/**
 * The tools' versions: those this version of Stateroom was built and tested with. The published
 * package records them (`stateroomInit`); in the repository they are its own devDependencies.
 */
function toolVersions(): Record<string, string> {
	const manifest = ownManifest();
	const known = manifest.stateroomInit?.devDependencies ?? manifest.devDependencies ?? {};
	return Object.fromEntries(TOOLS.flatMap((tool) => (known[tool] ? [[tool, known[tool]]] : [])));
}
