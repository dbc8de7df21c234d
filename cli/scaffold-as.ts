/**
 * `stateroom new <name> --as`: an AssemblyScript service in services/assemblyscript/<name>.ts,
 * built by `npm run build:wasm` into build/wasm/as-<name>.wasm, and registered in
 * services/assemblyscript.ts as `as-<name>`, as the examples are (the module's name is the
 * service's name).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { errorMessage } from "../src/errors.ts";
import { CliError } from "./errors.ts";
import { buildWasm } from "./processes.ts";
import type { Project } from "./project.ts";
import { assemblyScriptService, type Names, serviceTest } from "./templates.ts";

const REGISTRY = "services/assemblyscript.ts";

/**
 * Writes the service and its test, builds the module, and only then registers it: a running
 * `wrangler dev` reloads on the registration, and must find the module it imports.
 */
export async function scaffoldAssemblyScript(project: Project, names: Names): Promise<string[]> {
	if (!existsSync(project.path("sdk/assemblyscript/index.ts"))) {
		throw new CliError(
			"This project has no AssemblyScript SDK (sdk/assemblyscript/index.ts is missing).",
			"Write the service in TypeScript instead (`npx stateroom new <name> --ts`), or add the SDK first.",
		);
	}
	const registry = project.path(REGISTRY);
	const registered = registerModule(readFileSync(registry, "utf8"), names);
	const serviceFile = `services/assemblyscript/${names.source}.ts`;
	const testFile = `${project.tests}/${names.service}.test.ts`;
	const module = `build/wasm/${names.service}.wasm`;
	writeFileSync(project.path(serviceFile), assemblyScriptService(names));
	writeFileSync(project.path(testFile), serviceTest(names));
	try {
		await buildWasm(project);
	} catch (error) {
		rmSync(project.path(serviceFile), { force: true });
		rmSync(project.path(testFile), { force: true });
		throw new CliError(
			`Building ${module} failed, so "${names.service}" was not registered (and its files were removed): ${errorMessage(error)}`,
			"Fix what the build reports above, then run the command again.",
		);
	}
	writeFileSync(registry, registered);
	return [serviceFile, testFile, module, `${REGISTRY} (registered)`];
}

/** Imports the built module and adds it to the `Record<string, ServiceDefinition>` object. */
export function registerModule(source: string, { service }: Names): string {
	// Bindings are camelCase, as the registry's own (`asCounter`).
	const binding = service.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
	if (new RegExp(`\\b${binding}\\b`).test(source)) {
		throw new CliError(`${REGISTRY} already uses the name ${binding}.`, "Choose another service name.");
	}
	const lines = source.split("\n");
	// In sorted place among the imports, as Biome orders them.
	const path = `../build/wasm/${service}.wasm`;
	const imports = lines.flatMap((line, i) => (/^import .* from "\.[^"]*";$/.test(line) ? [i] : []));
	const importPath = (line: string) => /from "([^"]+)"/.exec(line)?.[1] ?? "";
	const after = imports.find((i) => importPath(lines[i] as string) > path);
	lines.splice(
		after ?? (imports.length > 0 ? (imports.at(-1) as number) + 1 : 0),
		0,
		`import ${binding} from "${path}";`,
	);
	const key = /^[a-z_][a-z0-9_]*$/.test(service) ? service : JSON.stringify(service);
	const entry = `\t${key}: ${binding},`;
	const open = lines.findIndex((line) => /Record<string,\s*ServiceDefinition>\s*=\s*\{/.test(line));
	if (open === -1) {
		throw new CliError(
			`Cannot find the \`Record<string, ServiceDefinition> = { ... }\` object in ${REGISTRY}.`,
			`Register it by hand: import ${binding} from "${path}" and add \`${key}: ${binding}\`.`,
		);
	}
	const line = lines[open] as string;
	if (/\{\s*\};\s*$/.test(line)) {
		// An empty record on one line: open it up.
		lines.splice(open, 1, line.replace(/\{\s*\};\s*$/, "{"), entry, "};");
	} else {
		const close = lines.findIndex((candidate, i) => i > open && /^\};?\s*$/.test(candidate));
		lines.splice(close, 0, entry);
	}
	return lines.join("\n");
}
