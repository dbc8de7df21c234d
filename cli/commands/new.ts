/**
 * `stateroom new <name> [--ts | --as]`: scaffolds a service, a worker test for it, and registers
 * it, so that `npm run dev` serves it at /s/<service>/ws/:room straight away.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isServiceName, SERVICE_NAME_RULE } from "../../src/naming.ts";
import type { Command } from "../command.ts";
import { runningDev } from "../dev-state.ts";
import { CliError, usageError } from "../errors.ts";
import { detail, info, stateroomCommand } from "../output.ts";
import { findProject, listServices, type Project } from "../project.ts";
import { scaffoldAssemblyScript } from "../scaffold-as.ts";
import { DEFAULT_PORT } from "../serving.ts";
import { type Names, serviceTest, testSocketHelper, typescriptService } from "../templates.ts";

export const newCommand: Command = {
	name: "new",
	summary: "Scaffold a service (TypeScript or AssemblyScript) with a test, and register it",
	help: `Usage: stateroom new <name> [--ts | --as]

Creates a service, a test for it in the tests folder (<tests>/<service>.test.ts), and
registers it, so that \`npm run dev\` serves it at /s/<service>/ws/:room.

  --ts (default)  a TypeScript class in <name>.ts next to the services module (the module
                  that calls defineServices: the one the Worker's entry module hands to
                  createStateroom), registered there as the service <name>
  --as            an AssemblyScript service in services/assemblyscript/<name>.ts, compiled to
                  WebAssembly (build/wasm/as-<name>.wasm, before it is registered) and registered
                  in services/assemblyscript.ts as the service as-<name>, like the examples

A service name is ${SERVICE_NAME_RULE},
and not already registered.

Options:
  --ts            Write the service in TypeScript (default)
  --as            Write the service in AssemblyScript
  -h, --help      Show this help

Examples:
  npx stateroom new lobby
  npx stateroom new tally --as`,

	options: { ts: { type: "boolean" }, as: { type: "boolean" } },
	positionals: 1,

	async run(parsed) {
		if (parsed.values.ts && parsed.values.as) throw usageError("Choose one language: --ts or --as, not both.", "new");
		const name = parsed.positionals[0];
		if (name === undefined) {
			throw usageError(`Missing the service name, e.g. \`${stateroomCommand("new lobby")}\`.`, "new");
		}
		const project = findProject();
		const assemblyScript = parsed.values.as === true;
		const names = checkName(project, name, assemblyScript);
		const written = assemblyScript ? await scaffoldAssemblyScript(project, names) : scaffoldTypeScript(project, names);
		info(`created service "${names.service}":`);
		for (const file of written) detail(file);
		const dev = runningDev(project);
		const rooms = (port: number) => `ws://127.0.0.1:${port}${project.prefix}/s/${names.service}/ws/<room>`;
		info(
			dev
				? `serve it: the running dev server (port ${dev.port}) reloads it; connect to ${rooms(dev.port)}`
				: `serve it: npm run dev, then connect to ${rooms(DEFAULT_PORT)}`,
		);
		info(`test it:  npx vitest run ${project.tests}/${names.service}.test.ts`);
		return 0;
	},
};

/**
 * Refuses a name that is invalid or taken, saying which; returns the names to generate. An
 * AssemblyScript service is registered as `as-<name>` (its module is build/wasm/as-<name>.wasm);
 * `new as-vote --as` means the same as `new vote --as`.
 */
function checkName(project: Project, name: string, assemblyScript: boolean): Names {
	const source = assemblyScript ? name.replace(/^as-/, "") : name;
	const service = assemblyScript ? `as-${source}` : name;
	if (!isServiceName(source) || !isServiceName(service)) {
		throw usageError(`"${name}" is not a valid service name: use ${SERVICE_NAME_RULE}.`, "new");
	}
	if (listServices(project).names.includes(service)) {
		throw new CliError(
			`A service named "${service}" is already registered.`,
			"Choose another name, or edit the existing service.",
		);
	}
	const files = assemblyScript ? [`services/assemblyscript/${source}.ts`] : [serviceFileOf(project, source)];
	for (const file of [...files, `${project.tests}/${service}.test.ts`]) {
		if (existsSync(project.path(file))) {
			throw new CliError(`${file} already exists.`, "Choose another name, or remove that file if it is left over.");
		}
	}
	const type = source
		.split("-")
		.filter(Boolean)
		.map((part) => part[0]?.toUpperCase() + part.slice(1))
		.join("");
	return { service, source, type: /^[0-9]/.test(type) ? `Service${type}` : type };
}

/** A TypeScript service's file: next to the services module, which imports it as `./<name>.ts`. */
function serviceFileOf(project: Project, name: string): string {
	const folder = dirname(project.services);
	return folder === "." ? `${name}.ts` : `${folder}/${name}.ts`;
}

function scaffoldTypeScript(project: Project, names: Names): string[] {
	const index = project.path(project.services);
	if (!existsSync(index)) {
		throw new CliError(
			`The services module ${project.services} does not exist.`,
			'Say where your services are registered (the module that calls defineServices) in package.json: "stateroom": { "services": "src/services.ts" }.',
		);
	}
	const source = readFileSync(index, "utf8");
	if (new RegExp(`\\b${names.type}\\b`).test(source)) {
		throw new CliError(
			`${project.services} already uses the name ${names.type}, which the class of "${names.service}" would need.`,
			"Choose another service name.",
		);
	}
	const serviceFile = serviceFileOf(project, names.service);
	const testFile = `${project.tests}/${names.service}.test.ts`;
	const registered = register(source, names, project.services);
	mkdirSync(project.path(project.tests), { recursive: true });
	const helper = writeTestHelper(project);
	writeFileSync(project.path(serviceFile), typescriptService(names));
	writeFileSync(project.path(testFile), serviceTest(names));
	writeFileSync(index, registered);
	return [serviceFile, testFile, ...(helper ? [helper] : []), `${project.services} (registered)`];
}

/** The tests' WebSocket helper (`./socket.ts`), written when the tests folder has none; returns its path then. */
export function writeTestHelper(project: Project): string | undefined {
	const helper = `${project.tests}/socket.ts`;
	if (existsSync(project.path(helper))) return undefined;
	writeFileSync(project.path(helper), testSocketHelper());
	return `${helper} (the tests' WebSocket helper)`;
}

/**
 * Adds the import (in sorted place among the relative imports, as Biome orders them) and the
 * registry entry (before the spreads of WebAssembly services) to services/index.ts.
 */
export function register(source: string, { service, type }: Names, file = "services/index.ts"): string {
	const lines = source.split("\n");
	const importLine = `import { ${type} } from "./${service}.ts";`;
	const relative = lines.flatMap((line, i) => (/^import .* from "\.\/[^"]+";$/.test(line) ? [i] : []));
	const path = (line: string) => /from "(\.\/[^"]+)"/.exec(line)?.[1] ?? "";
	const after = relative.find((i) => path(lines[i] as string) > `./${service}.ts`);
	const at = after ?? (relative.length > 0 ? (relative.at(-1) as number) + 1 : 0);
	lines.splice(at, 0, importLine);

	const open = lines.findIndex((line) => /\bservices:\s*\{\s*$/.test(line));
	const close = lines.findIndex((line, i) => i > open && /^\t\t?\},?\s*$/.test(line));
	if (open === -1 || close === -1) {
		throw new CliError(
			`Cannot find the \`services: { ... }\` object in ${file} to register the service in.`,
			`Register it by hand: import { ${type} } from "./${service}.ts" and add \`"${service}": ${type}\` to services.`,
		);
	}
	const spread = lines.findIndex((line, i) => i > open && i < close && /^\s*\.\.\./.test(line));
	const key = /^[a-z_][a-z0-9_]*$/.test(service) ? service : JSON.stringify(service);
	lines.splice(spread === -1 ? close : spread, 0, `\t\t${key}: ${type},`);
	return lines.join("\n");
}
