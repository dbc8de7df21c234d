/**
 * `stateroom new <name> [--ts | --as]`: scaffolds a service, a worker test for it, and registers
 * it, so that `stateroom dev` serves it at /s/<name>/ws/:room straight away.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SERVICE_NAME, SERVICE_NAME_RULE } from "../../src/names.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { detail, info } from "../output.ts";
import { findProject, listServices, type Project } from "../project.ts";
import { scaffoldAssemblyScript } from "../scaffold-as.ts";
import { type Names, serviceTest, typescriptService } from "../templates.ts";

export const newCommand: Command = {
	name: "new",
	summary: "Scaffold a service (TypeScript or AssemblyScript) with a test, and register it",
	help: `Usage: stateroom new <name> [--ts | --as]

Creates a service named <name>, a test for it in test/worker/<name>.test.ts, and registers it,
so that \`stateroom dev\` serves it at /s/<name>/ws/:room.

  --ts (default)  a TypeScript class in services/<name>.ts, registered in services/index.ts
  --as            an AssemblyScript service in services/assemblyscript/<name>.ts, compiled to
                  WebAssembly by \`npm run build:wasm\`, registered in services/assemblyscript.ts

A name is 1-63 lowercase letters, digits and dashes, starting with a letter or digit, and not
already registered.

Options:
  --ts            Write the service in TypeScript (default)
  --as            Write the service in AssemblyScript
  -h, --help      Show this help

Examples:
  stateroom new lobby
  stateroom new tally --as`,

	options: { ts: { type: "boolean" }, as: { type: "boolean" } },
	positionals: 1,

	async run(parsed) {
		if (parsed.values.ts && parsed.values.as) throw usageError("Choose one language: --ts or --as, not both.", "new");
		const service = parsed.positionals[0];
		if (service === undefined) throw usageError("Missing the service name, e.g. `stateroom new lobby`.", "new");
		const project = findProject();
		const names = checkName(project, service);
		const written = parsed.values.as ? scaffoldAssemblyScript(project, names) : scaffoldTypeScript(project, names);
		info(`created service "${service}":`);
		for (const file of written) detail(file);
		info(`serve it: stateroom dev, then connect to ws://127.0.0.1:8080/s/${service}/ws/<room>`);
		info(`test it:  npx vitest run --project worker test/worker/${service}.test.ts`);
		return 0;
	},
};

/** Refuses a name that is invalid or taken, saying which; returns the names to generate. */
function checkName(project: Project, service: string): Names {
	if (!SERVICE_NAME.test(service)) {
		throw usageError(`"${service}" is not a valid service name: use ${SERVICE_NAME_RULE}.`, "new");
	}
	if (listServices(project).names.includes(service)) {
		throw new CliError(
			`A service named "${service}" is already registered.`,
			"Choose another name, or edit the existing service.",
		);
	}
	for (const file of [
		`services/${service}.ts`,
		`services/assemblyscript/${service}.ts`,
		`test/worker/${service}.test.ts`,
	]) {
		if (existsSync(project.path(file))) {
			throw new CliError(`${file} already exists.`, "Choose another name, or remove that file if it is left over.");
		}
	}
	const type = service
		.split("-")
		.filter(Boolean)
		.map((part) => part[0]?.toUpperCase() + part.slice(1))
		.join("");
	return { service, type: /^[0-9]/.test(type) ? `Service${type}` : type };
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
