/** `stateroom dev [port]`: build everything, serve it with `wrangler dev`, rebuild on change. */
import { existsSync } from "node:fs";
import { noExtraPositionals, parse, parsePort } from "../args.ts";
import type { Command } from "../command.ts";
import { bundleDemo } from "../demo.ts";
import { CliError } from "../errors.ts";
import { detail, info, seconds, step, warn } from "../output.ts";
import {
	buildWasm,
	ensurePortFree,
	freePort,
	startWrangler,
	untilExit,
	waitUntilServing,
	wranglerPath,
} from "../processes.ts";
import { findProject, listServices, type Project, type ServiceList } from "../project.ts";
import { type WatchedBuild, watchBuilds } from "../watch.ts";

const HOST = "127.0.0.1";
const DEFAULT_PORT = 8080;
/** wrangler's first start bundles and boots workerd: slow on a small machine, so be patient. */
const STARTUP_MS = 120_000;

export const dev: Command = {
	name: "dev",
	summary: "Build every service and serve them locally, rebuilding on change",
	help: `Usage: stateroom dev [port] [options] [-- <wrangler dev arguments>]

Builds every service (the WebAssembly guests, as \`npm run build:wasm\` does, and the demo
page), serves the Worker with \`wrangler dev\` on http://${HOST}:<port>, and prints the URLs of
the status check, the rooms of every registered service and the demo page.

While it runs, wrangler reloads the Worker when its TypeScript changes; stateroom rebuilds the
WebAssembly guests when services/assemblyscript/, sdk/assemblyscript/ or guests/ change, and
the demo page's script when public/src/ or client/ change.

Arguments:
  port              Port to serve on (default ${DEFAULT_PORT})

Options:
  --port <n>        Same as the port argument
  -h, --help        Show this help

Everything after \`--\` goes to \`wrangler dev\` unchanged, e.g. \`-- --persist-to /tmp/state\`.

Examples:
  stateroom dev
  stateroom dev 9000`,

	async run(args) {
		const parsed = parse("dev", args, { port: { type: "string" } });
		if (parsed.help) {
			process.stdout.write(`${this.help}\n`);
			return 0;
		}
		noExtraPositionals(parsed, 1, "dev");
		const port = parsePort(parsed.values.port ?? parsed.positionals[0], DEFAULT_PORT, "dev");
		const project = findProject();
		wranglerPath(project);
		// Say it the way the user started us: `npm run dev` takes its arguments after `--`.
		const retry = process.env.npm_lifecycle_event === "dev" ? "npm run dev --" : "stateroom dev";
		await ensurePortFree(port, HOST, `${retry} ${port + 1}`);

		await step("building WebAssembly guests", () => buildWasm(project));
		await step("bundling the demo page", () => bundleDemo(project));

		const inspector = await freePort();
		info(`starting wrangler dev on http://${HOST}:${port}...`);
		const child = startWrangler(project, [
			"dev",
			"--port",
			String(port),
			"--ip",
			HOST,
			"--inspector-port",
			String(inspector),
			...parsed.passthrough,
		]);
		const watching = watchBuilds(project, rebuilds(project), {
			changed: (build, file) => info(`${file} changed: rebuilding ${build.label}...`),
			done: (build, ms) => info(`rebuilt ${build.label} in ${seconds(ms)}; wrangler reloads the Worker`),
			failed: (build, error) =>
				warn(
					`rebuilding ${build.label} failed, still serving the previous build: ${error instanceof CliError ? error.message : String(error)}`,
				),
		});
		const exited = untilExit(child, () => watching.close());
		const started = Date.now();
		try {
			await waitUntilServing(`http://${HOST}:${port}/status`, child, STARTUP_MS);
		} catch (error) {
			watching.close();
			if (child.exitCode === null) child.kill("SIGTERM");
			throw error;
		}
		printServing(
			`${HOST}:${port}`,
			Date.now() - started,
			listServices(project),
			existsSync(project.path("public/index.html")),
		);
		if (watching.folders.length > 0) info(`watching ${watching.folders.join(", ")} for changes`);
		info("press Ctrl-C to stop");
		return exited;
	},
};

function rebuilds(project: Project): WatchedBuild[] {
	return [
		{
			label: "WebAssembly guests",
			folders: ["services/assemblyscript", "sdk/assemblyscript", "guests"],
			build: () => buildWasm(project),
		},
		{ label: "the demo page", folders: ["public/src", "client"], build: () => bundleDemo(project) },
	];
}

/** The URLs a developer needs, from the registered services. */
export function printServing(address: string, ms: number, services: ServiceList, demo: boolean): void {
	const { default: defaultService, names } = services;
	const rows: [string, string][] = [];
	if (demo) rows.push(["demo page", `http://${address}/`]);
	rows.push(["status", `http://${address}/status`]);
	rows.push(["default room", `ws://${address}/ws/:room  (service "${defaultService ?? "?"}")`]);
	for (const name of names) rows.push([name, `ws://${address}/s/${name}/ws/:room`]);
	const width = Math.max(...rows.map(([label]) => label.length));
	info(`serving http://${address} (ready in ${seconds(ms)})`);
	for (const [label, url] of rows) detail(`${label.padEnd(width)}  ${url}`);
}
