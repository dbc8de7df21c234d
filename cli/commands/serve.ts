/**
 * `stateroom serve <module.wasm | dir>`: serves one WebAssembly module, built anywhere, as the
 * default service, with nothing to configure: the CLI writes a throwaway entry module and
 * wrangler config under .stateroom/serve/ and runs `wrangler dev` on them.
 */
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { errorMessage } from "../../src/errors.ts";
import { isServiceName, SERVICE_NAME_RULE } from "../../src/naming.ts";
import { DEFAULT_LIMITS } from "../../src/settings.ts";
import { checkModule } from "../../src/wasm/abi.ts";
import { ALLOWED_HOSTS_HELP, ALLOWED_HOSTS_OPTION, allowedHostsArgs } from "../allowed-hosts.ts";
import { parsePort } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { info, stateroomCommand } from "../output.ts";
import { ensurePortFree, useProjectMeterKey, wranglerPath } from "../processes.ts";
import { findProject, type Project } from "../project.ts";
import { DEFAULT_PORT, HOST, serveWithWrangler } from "../serving.ts";

/**
 * Where `npm run build:wasm` writes this project's WebAssembly services, each as
 * `<service>.wasm`: the file's name is the name the service is registered and served under.
 */
const BUILT_SERVICES = "build/wasm";

/** Where the generated files go; gitignored. */
export const SERVE_DIR = ".stateroom/serve";

/** The options that set the service's security and limits settings. */
const SETTING_OPTIONS = {
	"max-clients": { type: "string" },
	"max-message-bytes": { type: "string" },
	"messages-per-second": { type: "string" },
	"message-burst": { type: "string" },
	origin: { type: "string", multiple: true },
	token: { type: "string" },
} as const;

export const serve: Command = {
	name: "serve",
	summary: "Serve one WebAssembly module as the default service",
	help: `Usage: stateroom serve <module.wasm | dir | service> [options] [-- <wrangler dev arguments>]

Serves one WebAssembly module built anywhere (for example by Rust's stateroom-wasm crate) as
the default service, at ws://${HOST}:<port>/ws/:room and /s/<name>/ws/:room. There is no
config to write: stateroom generates an entry module and a wrangler config in ${SERVE_DIR}/.

The module is checked against the Stateroom ABI first (exports, signatures, imports, version)
and refused, with the reason, if it does not follow it; the copy it serves is metered (fuel per
event, memory limit), as \`npm run build:wasm\` meters every module. Rooms keep their state
between runs while the module is the same build; after a rebuild, each room starts afresh.

Arguments:
  module.wasm         The module's file
  dir                 Or a folder holding exactly one .wasm file
  service             Or the name of a WebAssembly service this project builds: its module is
                      ${BUILT_SERVICES}/<service>.wasm (e.g. rust-echo, c-counter, as-counter)

Options:
  --port <n>          Port to serve on (default ${DEFAULT_PORT})
  --name <service>    Service name in URLs (default: from the file name)
${ALLOWED_HOSTS_HELP}
  -h, --help          Show this help

Only requests addressed to a loopback name are answered (others get 403), so that a web page
cannot reach the rooms by DNS rebinding; --allowed-hosts lets other names in.

Security and limits (the service's settings; see docs/security.md):
  --max-clients <n>          Clients per room (default ${DEFAULT_LIMITS.maxClients})
  --max-message-bytes <n>    Largest message in bytes (default ${DEFAULT_LIMITS.maxMessageBytes})
  --messages-per-second <n>  Average messages per second per client (default ${DEFAULT_LIMITS.messagesPerSecond})
  --message-burst <n>        Messages a client may send at once (default ${DEFAULT_LIMITS.messageBurst})
  --origin <origin>          Allow a browser origin besides the server's own; repeat it,
                             or --origin '*' for any
  --token <none|required>    Require a signed join token (\`stateroom token\`); the secret
                             STATEROOM_TOKEN_SECRET comes from the project's .dev.vars

Everything after \`--\` goes to \`wrangler dev\` unchanged.

Examples:
  npx stateroom serve target/wasm32-wasi/release/echo_server.wasm
  npx stateroom serve rust-echo --port 9000
  npx stateroom serve as-counter`,

	options: { port: { type: "string" }, name: { type: "string" }, ...ALLOWED_HOSTS_OPTION, ...SETTING_OPTIONS },
	positionals: 1,

	async run(parsed) {
		const target = parsed.positionals[0];
		if (target === undefined)
			throw usageError(
				"Missing the module to serve: give a .wasm file, a folder, or a built service's name (e.g. rust-echo).",
				"serve",
			);
		const port = parsePort(parsed.values.port, DEFAULT_PORT, "serve");
		const project = findProject();
		wranglerPath(project);
		const hostArgs = allowedHostsArgs(project, parsed.values["allowed-hosts"], "serve");

		const file = findModule(resolve(target), project, target);
		const name = serviceName(parsed.values.name, file);
		info(
			`checking ${relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file)} against the Stateroom ABI...`,
		);
		await checkModuleFile(file);
		await ensurePortFree(port, HOST, stateroomCommand(`serve ${target} --port ${port + 1}`));

		const config = await writeServeProject(project, file, name, serveSettings(parsed.values));
		return serveWithWrangler(project, {
			port,
			args: ["--config", config, ...hostArgs, ...parsed.passthrough],
			services: () => ({ default: name, names: [name] }),
			demo: false,
			notes: [
				'rooms keep their state between runs of the same build; a rebuilt module starts them afresh (onModuleChange: "reset")',
			],
		});
	},
};

/**
 * The .wasm file an argument names: the file itself, the single .wasm in a folder, or, for a
 * bare service name, the module this project builds for that service.
 */
export function findModule(path: string, project: Project, argument: string): string {
	if (!existsSync(path)) {
		if (isServiceName(argument)) return builtService(project, argument);
		throw new CliError(
			`${path} does not exist.`,
			"Check the path, or build the module first (e.g. `npm run build:wasm`).",
		);
	}
	if (!statSync(path).isDirectory()) return path;
	const candidates = readdirSync(path).filter((entry) => entry.endsWith(".wasm"));
	if (candidates.length === 1) return join(path, candidates[0] as string);
	if (candidates.length === 0) {
		throw new CliError(`No .wasm file in ${path}.`, "Give the module's path, or the folder your build writes it to.");
	}
	throw new CliError(
		`${path} holds ${candidates.length} .wasm files: ${candidates.sort().join(", ")}.`,
		`Name one of them, e.g. \`${stateroomCommand(`serve ${join(path, candidates[0] as string)}`)}\`.`,
	);
}

function builtService(project: Project, name: string): string {
	const file = project.path(join(BUILT_SERVICES, `${name}.wasm`));
	if (existsSync(file)) return file;
	const dir = project.path(BUILT_SERVICES);
	const built = existsSync(dir)
		? readdirSync(dir)
				.filter((entry) => entry.endsWith(".wasm"))
				.map((entry) => basename(entry, ".wasm"))
				.sort()
		: [];
	throw new CliError(
		`No module file and no WebAssembly service named "${name}". ${
			built.length > 0
				? `Built WebAssembly services: ${built.join(", ")}.`
				: `Nothing is built in ${BUILT_SERVICES}/ yet.`
		}`,
		"Give a .wasm path, or a service name from that list (run `npm run build:wasm` first to build them).",
	);
}

/** Compiles and checks the module; every refusal says what is wrong with it. */
async function checkModuleFile(file: string): Promise<void> {
	let module: WebAssembly.Module;
	try {
		module = await WebAssembly.compile(readFileSync(file));
	} catch (error) {
		throw new CliError(
			`${file} is not a WebAssembly module: ${sentence(error)}`,
			"Give a .wasm file compiled for wasm32 (e.g. `cargo build --target wasm32-wasi --release`).",
		);
	}
	try {
		await checkModule(module, basename(file));
	} catch (error) {
		throw new CliError(
			`${file} does not follow the Stateroom WebAssembly ABI: ${sentence(error)}`,
			"Build it with the stateroom-wasm crate 0.4 (Rust) or the AssemblyScript SDK in sdk/assemblyscript; see docs/wasm.md.",
		);
	}
}

function serviceName(given: string | boolean | undefined, file: string): string {
	if (typeof given === "string") {
		if (!isServiceName(given)) {
			throw usageError(`"${given}" is not a service name: use ${SERVICE_NAME_RULE}.`, "serve");
		}
		return given;
	}
	const derived = basename(file, ".wasm")
		.toLowerCase()
		.replace(/[^a-z0-9-]+/g, "-")
		.replace(/^-+|-+$/g, "")
		.slice(0, 63);
	return isServiceName(derived) ? derived : "service";
}

/**
 * The service's settings from the command line, as JSON for the generated entry module (which
 * checks them again, with the Worker's own messages, when it starts).
 */
function serveSettings(values: Record<string, unknown>): Record<string, unknown> {
	const limits: Record<string, number> = {};
	const numbers = [
		["max-clients", "maxClients"],
		["max-message-bytes", "maxMessageBytes"],
		["messages-per-second", "messagesPerSecond"],
		["message-burst", "messageBurst"],
	] as const;
	for (const [flag, field] of numbers) {
		const raw = values[flag];
		if (typeof raw !== "string") continue;
		const value = Number(raw);
		if (!/^\d+$/.test(raw) || value < 1) {
			throw usageError(`--${flag} "${raw}" is not a whole number of 1 or more.`, "serve");
		}
		limits[field] = value;
	}
	const access: Record<string, unknown> = {};
	// A repeated option (`multiple: true`) comes as an array, in command-line order.
	if (Array.isArray(values.origin)) access.origins = values.origin;
	if (values.token !== undefined) {
		if (values.token !== "none" && values.token !== "required") {
			throw usageError(`--token takes "none" or "required"; got "${String(values.token)}".`, "serve");
		}
		access.token = values.token;
	}
	return { limits, access };
}

/** Writes the metered module, entry module and wrangler config; returns the config's path. */
async function writeServeProject(
	project: Project,
	file: string,
	name: string,
	settings: Record<string, unknown>,
): Promise<string> {
	const dir = project.path(SERVE_DIR);
	mkdirSync(dir, { recursive: true });
	await meterInto(project, file, join(dir, "service.wasm"));
	// wrangler dev reads secrets from .dev.vars next to the config: bring the project's along.
	const devVars = project.path(".dev.vars");
	if (existsSync(devVars)) copyFileSync(devVars, join(dir, ".dev.vars"));
	else rmSync(join(dir, ".dev.vars"), { force: true });
	writeFileSync(
		join(dir, "entry.ts"),
		`// Generated by \`stateroom serve\` for ${file}; rewritten on every run.
import { createStateroom } from "stateroom";
import service from "./service.wasm";

export { Directory, Room } from "stateroom";

// While iterating, a rebuilt module must not be refused over the state its previous build left.
export default createStateroom({
	default: ${JSON.stringify(name)},
	services: { ${JSON.stringify(name)}: { implementation: service, onModuleChange: "reset", ...${JSON.stringify(settings)} } },
}).worker;
`,
	);
	writeFileSync(
		join(dir, "wrangler.toml"),
		`# Generated by \`stateroom serve\`; rewritten on every run.
name = "stateroom-serve"
main = "entry.ts"
compatibility_date = "${project.compatibilityDate ?? "2026-11-01"}"
send_metrics = false

[[durable_objects.bindings]]
name = "ROOMS"
class_name = "Room"

[[durable_objects.bindings]]
name = "DIRECTORY"
class_name = "Directory"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]

[[migrations]]
tag = "v2"
new_sqlite_classes = ["Directory"]
`,
	);
	return join(dir, "wrangler.toml");
}

/** Meters the module as `npm run build:wasm` does, with the project's own meter (scripts/build/meter.mjs). */
async function meterInto(project: Project, file: string, to: string): Promise<void> {
	// Imported when needed: the meter loads binaryen, which no other command needs.
	useProjectMeterKey(project);
	const meter = await import("../../scripts/build/meter.mjs");
	try {
		await meter.meterFile(file, to, basename(file));
	} catch (error) {
		// The meter's one dependency: optional for the package, since TypeScript services never need it.
		if (/cannot load the npm package "binaryen"/.test(errorMessage(error))) {
			throw new CliError(
				'Serving a WebAssembly module meters it first, with the npm package "binaryen", which this project does not have.',
				"Run `npm install --save-dev binaryen`, then run the command again.",
			);
		}
		// A module that carries a meter section was metered elsewhere (or forged): rebuilding is not the fix.
		const meteredElsewhere = existsSync(file) && meter.meterInfo(readFileSync(file)) !== undefined;
		throw new CliError(
			`${file} could not be metered: ${sentence(error)}`,
			meteredElsewhere
				? "Serve the module as its compiler wrote it, not a copy metered by another project."
				: "Build it for wasm32 with WebAssembly 1.0 features (plus bulk memory, SIMD or reference types at most).",
		);
	}
}

/** An error's message as one sentence ending in a single full stop. */
function sentence(error: unknown): string {
	return `${errorMessage(error).replace(/\.+$/, "")}.`;
}
