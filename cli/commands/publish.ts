/**
 * `stateroom publish <module.wasm | service.ts> --service <name>`: uploads a service to a running
 * deployment through its admin API. A TypeScript service is bundled first (cli/service-bundle.ts);
 * a WebAssembly module the meter has not seen is metered with this project's key first, as
 * `npm run build:wasm` would, since the deployment runs only modules its meter signed.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { PublishResult } from "../../src/admin/responses.ts";
import { isServiceName, SERVICE_NAME_RULE } from "../../src/naming.ts";
import { MAX_UPLOAD_BYTES } from "../../src/publish/versions.ts";
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, adminClient, KEY_ENV } from "../admin-client.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { bytes, info, note } from "../output.ts";
import { useProjectMeterKey } from "../processes.ts";
import { findProject } from "../project.ts";
import { bundleService } from "../service-bundle.ts";

const SETTINGS_HEADER = "x-stateroom-settings";
const OUTBOUND_HEADER = "x-stateroom-outbound";

export const KEY_OPTION_HELP = `  --key <key>        A publish key (\`stateroom publish-key\`) instead of the admin secret
                     (default: ${KEY_ENV} from the environment)`;

export const publish: Command = {
	name: "publish",
	summary: "Upload a service to a running deployment, in an isolate of its own",
	help: `Usage: stateroom publish <module.wasm | service.ts> --service <name> [options]

Uploads a service to a running deployment (no redeploy): its rooms are at /s/<name>/ws/:room
within seconds. Each upload is a version, named by its SHA-256; the newest runs, and
\`stateroom versions\`, \`rollback\` and \`unpublish\` manage the rest. See docs/publishing.md.

A .ts or .js file is bundled into one ES module (its imports included; "stateroom" is the
deployment's); its default export (or its one exported class) is the service. A .wasm module
is metered with this project's meter key unless it already is (the deployment refuses modules
its meter did not sign). At most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB per upload.

Options:
  --service <name>       The name to publish under (${SERVICE_NAME_RULE}) (required)
  --settings <json|@file>  The service's settings, as in defineServices: limits, access,
                         durability, onModuleChange (e.g. '{"access":{"token":"required"}}')
  --outbound <binding>   Grant the service the network through this service binding of the
                         deployment's Worker (admin secret only; default: no network)
  --no-meter             Upload a .wasm module as it is (the deployment refuses it unmetered)
${KEY_OPTION_HELP}
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom publish services/counter.ts --service my-counter
  npx stateroom publish build/wasm/rust-counter.wasm --service rust-counter-2 --url https://stateroom.example.workers.dev`,

	options: {
		...ADMIN_OPTIONS,
		service: { type: "string" },
		settings: { type: "string" },
		key: { type: "string" },
		outbound: { type: "string" },
		"no-meter": { type: "boolean" },
	},
	positionals: 1,

	async run(parsed) {
		const { values } = parsed;
		const file = parsed.positionals[0];
		if (file === undefined) throw usageError("Give the module or service file to publish.", "publish");
		const service = values.service;
		if (typeof service !== "string" || !isServiceName(service)) {
			throw usageError(`Give the name to publish under: --service <name> (${SERVICE_NAME_RULE}).`, "publish");
		}
		if (!existsSync(file)) throw new CliError(`${file} does not exist.`, "Give the path of a .wasm, .ts or .js file.");
		const settings = readSettings(values.settings);
		const body = await uploadOf(file, values["no-meter"] === true);
		if (body.byteLength > MAX_UPLOAD_BYTES) {
			throw new CliError(
				`${file} is ${bytes(body.byteLength)} to upload; a deployment takes at most ${bytes(MAX_UPLOAD_BYTES)}.`,
				"Make it smaller: a release build, `wasm-opt -Oz`, fewer dependencies.",
			);
		}
		const client = adminClient(values, "publish");
		const headers: Record<string, string> = {};
		if (settings !== undefined) headers[SETTINGS_HEADER] = encodeURIComponent(settings);
		if (typeof values.outbound === "string") headers[OUTBOUND_HEADER] = values.outbound;
		const result = await client.request<PublishResult>("PUT", `/published/${service}`, { body, headers });
		if (values.json === true) {
			process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
			return 0;
		}
		const { published } = result;
		info(
			`${result.created ? "Published" : "Republished"} "${service}" version ${published.version.slice(0, 12)} (${published.language}, ${bytes(published.bytes)}).`,
		);
		info(`Rooms: ${client.url.replace(/^http/, "ws")}/s/${service}/ws/<room>`);
		return 0;
	},
};

/** The bytes to upload: a bundle of a TypeScript service, or a metered WebAssembly module. */
async function uploadOf(file: string, noMeter: boolean): Promise<Uint8Array<ArrayBuffer>> {
	const extension = extname(file);
	if (extension === ".wasm") {
		const raw = new Uint8Array(readFileSync(file));
		if (noMeter) return raw;
		// The project's own meter key, as `stateroom dev`, `build` and `serve` use it.
		try {
			useProjectMeterKey(findProject());
		} catch {
			// Outside a project: the meter's own default key.
		}
		// Imported when needed: the meter loads binaryen, which no other command needs.
		const meter = await import("../../scripts/build/meter.mjs");
		const metered = meter.meterInfo(raw) !== undefined;
		try {
			const bytesOut = await meter.meter(raw, basename(file));
			if (!metered) note(`${file} metered with this project's meter key`);
			return bytesOut;
		} catch (error) {
			if (/cannot load the npm package "binaryen"/.test(error instanceof Error ? error.message : "")) {
				throw new CliError(
					'Publishing a WebAssembly module meters it first, with the npm package "binaryen", which this project does not have.',
					"Run `npm install --save-dev binaryen`, then run the command again.",
				);
			}
			throw new CliError(
				`${file} could not be metered: ${error instanceof Error ? error.message : String(error)}`,
				metered
					? "Publish the module as its compiler wrote it, not a copy metered by another project."
					: "Build it for wasm32 with WebAssembly 1.0 features (plus bulk memory, SIMD or reference types at most).",
			);
		}
	}
	if ([".ts", ".mts", ".js", ".mjs"].includes(extension)) {
		try {
			return await bundleService(file);
		} catch (error) {
			throw new CliError(
				`${file} could not be bundled: ${error instanceof Error ? error.message : String(error)}`,
				"Fix the errors above; `npx tsc --noEmit` shows them with their types.",
			);
		}
	}
	throw usageError(`${file} is neither a .wasm module nor a .ts/.js service.`, "publish");
}

/** `--settings`: JSON, or @file with JSON; checked to be an object (the deployment checks the rest). */
function readSettings(given: string | boolean | undefined): string | undefined {
	if (typeof given !== "string") return undefined;
	const text = given.startsWith("@") ? readFileSync(given.slice(1), "utf8") : given;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		value = undefined;
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		throw usageError(`--settings must be a JSON object, e.g. '{"limits":{"maxClients":10}}'; got ${text}.`, "publish");
	}
	return JSON.stringify(value);
}
