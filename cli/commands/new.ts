/**
 * `stateroom new <name> [--ts | --as]`: scaffolds a service, a worker test for it, and registers
 * it, so that `npm run dev` serves it at /s/<service>/ws/:room straight away.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isServiceName, SERVICE_NAME_RULE } from "../../src/naming.ts";
import type { Command } from "../command.ts";
import { runningDev } from "../dev-state.ts";
import { CliError, usageError } from "../errors.ts";
import { detail, info, stateroomCommand } from "../output.ts";
import { findProject, listServices, type Project } from "../project.ts";
import { scaffoldAssemblyScript } from "../scaffold-as.ts";
import { DEFAULT_PORT } from "../serving.ts";
import { type Names, serviceTest, typescriptService } from "../templates.ts";

export const newCommand: Command = {
	name: "new",
	summary: "Scaffold a service (TypeScript or AssemblyScript) with a test, and register it",
	help: `Usage: stateroom new <name> [--ts | --as]

Creates a service, a test for it in test/worker/<service>.test.ts, and registers it, so that
\`npm run dev\` serves it at /s/<service>/ws/:room.

  --ts (default)  a TypeScript class in services/<name>.ts, registered in services/index.ts
                  as the service <name>
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
		const rooms = (port: number) => `ws://127.0.0.1:${port}/s/${names.service}/ws/<room>`;
		info(
			dev
				? `serve it: the running dev server (port ${dev.port}) reloads it; connect to ${rooms(dev.port)}`
				: `serve it: npm run dev, then connect to ${rooms(DEFAULT_PORT)}`,
		);
		info(`test it:  npx vitest run --project worker test/worker/${names.service}.test.ts`);
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
	const files = assemblyScript ? [`services/assemblyscript/${source}.ts`] : [`services/${source}.ts`];
	for (const file of [...files, `test/worker/${service}.test.ts`]) {
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

function scaffoldTypeScript(project: Project, names: Names): string[] {
	const index = project.path("services/index.ts");
	const source = readFileSync(index, "utf8");
	if (new RegExp(`\\b${names.type}\\b`).test(source)) {
		throw new CliError(
			`services/index.ts already uses the name ${names.type}, which the class of "${names.service}" would need.`,
			"Choose another service name.",
		);
	}
	const serviceFile = `services/${names.service}.ts`;
	const testFile = `test/worker/${names.service}.test.ts`;
	const registered = register(source, names);
	writeFileSync(project.path(serviceFile), typescriptService(names));
	writeFileSync(project.path(testFile), serviceTest(names));
	writeFileSync(index, registered);
	return [serviceFile, testFile, "services/index.ts (registered)"];
}

/**
 * Adds the import (in sorted place among the relative imports, as Biome orders them) and the
 * registry entry (before the spreads of WebAssembly services) to services/index.ts.
 */
export function register(source: string, { service, type }: Names): string {
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
			"Cannot find the `services: { ... }` object in services/index.ts to register the service in.",
			`Register it by hand: import { ${type} } from "./${service}.ts" and add \`"${service}": ${type}\` to services.`,
		);
	}
	const spread = lines.findIndex((line, i) => i > open && i < close && /^\s*\.\.\./.test(line));
	const key = /^[a-z_][a-z0-9_]*$/.test(service) ? service : JSON.stringify(service);
	lines.splice(spread === -1 ? close : spread, 0, `\t\t${key}: ${type},`);
	return lines.join("\n");
}
