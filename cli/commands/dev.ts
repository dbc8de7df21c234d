/** `stateroom dev [port]`: build everything, serve it with `wrangler dev`, rebuild on change. */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { errorMessage } from "../../src/errors.ts";
import { ALLOWED_HOSTS_HELP, ALLOWED_HOSTS_OPTION, allowedHostsArgs } from "../allowed-hosts.ts";
import { parsePort } from "../args.ts";
import type { Command } from "../command.ts";
import { bundleDemo, hasPages } from "../demo.ts";
import { recordDev } from "../dev-state.ts";
import { failure, info, seconds, stateroomCommand, step } from "../output.ts";
import { buildWasm, ensurePortFree, hasWasmBuild, wranglerPath } from "../processes.ts";
import { findProject, listServices, type Project } from "../project.ts";
import { DEFAULT_PORT, HOST, serveWithWrangler } from "../serving.ts";
import { explainWithTypes, watchTypes } from "../typecheck.ts";
import { type WatchedBuild, watchBuilds } from "../watch.ts";

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

It also runs the type checker (\`tsc --noEmit --watch\` over tsconfig.json) beside it and
prints its errors with file, line and column: wrangler runs the Worker without checking types.
Offline, wrangler's warnings that it cannot fetch request.cf are left out (said once).
While it runs, it records its port in .stateroom/dev.json, where \`stateroom rooms\`, \`room\`
and \`new\` find it.

Options:
  --port <n>             Same as the port argument
${ALLOWED_HOSTS_HELP}
  --verbose              Print every build step (default: one line per service)
  -h, --help             Show this help

Only requests addressed to a loopback name are answered (others get 403), so that a web page
cannot reach your rooms by DNS rebinding; --allowed-hosts lets other names in.

Everything after \`--\` goes to \`wrangler dev\` unchanged, e.g. \`-- --persist-to /tmp/state\`.

\`npm run dev\` runs it: \`npm run dev -- 9000\`, \`npm run dev -- --port 9000\` and
\`npm run dev --port=9000\` all serve on port 9000.

Examples:
  npx stateroom dev
  npx stateroom dev 9000`,

	options: { port: { type: "string" }, verbose: { type: "boolean" }, ...ALLOWED_HOSTS_OPTION },
	positionals: 1,

	async run(parsed) {
		const port = parsePort(parsed.values.port ?? parsed.positionals[0] ?? npmPort(), DEFAULT_PORT, "dev");
		const project = findProject();
		wranglerPath(project);
		const hostArgs = allowedHostsArgs(project, parsed.values["allowed-hosts"], "dev");
		// Say it the way the user started us: `npm run dev` takes its arguments after `--`.
		const retry = byNpm() ? "npm run dev --" : stateroomCommand("dev");
		await ensurePortFree(port, HOST, `${retry} ${port + 1}`);

		const verbose = parsed.values.verbose === true;
		if (hasWasmBuild(project)) await step("building WebAssembly guests", () => buildWasm(project, { verbose }));
		else await buildWasm(project);
		if (hasPages(project)) await step("bundling the demo page", () => bundleDemo(project));

		const types = watchTypes(project);
		const watching = watchBuilds(project, rebuilds(project, verbose), {
			changed: (build, file) => info(`${file} changed: rebuilding ${build.label}...`),
			done: (build, ms) => info(`rebuilt ${build.label} in ${seconds(ms)}; wrangler reloads the Worker`),
			failed: (build, error) =>
				failure({
					message: `rebuilding ${build.label} failed: ${errorMessage(error)}`,
					fix: "Fix the error above and save: stateroom dev rebuilds on the next change. Until then the previous build keeps serving.",
				}),
		});
		const forget = recordDev(project, port);
		return serveWithWrangler(project, {
			port,
			args: [...hostArgs, ...parsed.passthrough],
			services: () => listServices(project),
			demo: existsSync(project.path("public/index.html")),
			prefix: project.prefix,
			cleanup: () => {
				watching.close();
				types?.close();
				forget();
			},
			...(types ? { explain: (problem, recovery) => explainWithTypes(types, problem, recovery) } : {}),
			recover: recoverOn(project),
			notes: watching.folders.length > 0 ? [`watching ${watching.folders.join(", ")} for changes`] : [],
		});
	},
};

/**
 * What the Worker is built from: after wrangler fails, a change here starts it again. The
 * folders of the entry module and of the services module, src/ and build/wasm/ where they
 * exist, and the wrangler config.
 */
function recoverOn(project: Project): string[] {
	const folders = [project.main, project.services].flatMap((file) => (file === undefined ? [] : [dirname(file)]));
	const candidates = [...folders.map((folder) => (folder === "." ? "" : folder)), "src", "build/wasm"];
	const existing = candidates.filter((folder) => folder !== "" && existsSync(project.path(folder)));
	// An entry module at the root (main = "worker.ts"): watch it as a file.
	const rootFiles = [project.main, project.services].filter(
		(file): file is string => file !== undefined && dirname(file) === ".",
	);
	return [...new Set([...existing, ...rootFiles, project.config])];
}

function byNpm(): boolean {
	return process.env.npm_lifecycle_event === "dev";
}

/**
 * `npm run dev --port=8181` gives npm, not us, the option: npm keeps it as its own config and
 * passes it only as npm_config_port. Take it from there rather than silently serve the default.
 */
function npmPort(): string | undefined {
	const port = byNpm() ? process.env.npm_config_port : undefined;
	return port === undefined || port === "" || port === "true" ? undefined : port;
}

function rebuilds(project: Project, verbose: boolean): WatchedBuild[] {
	return [
		{
			label: "WebAssembly guests",
			folders: ["services/assemblyscript", "sdk/assemblyscript", "guests"],
			build: () => buildWasm(project, { verbose }),
		},
		{
			label: "the demo and operator pages",
			folders: ["public/src", "public/admin/src", "client"],
			build: () => bundleDemo(project),
		},
	];
}
