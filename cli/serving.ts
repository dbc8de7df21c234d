/**
 * What `dev` and `serve` share: run `wrangler dev` on 127.0.0.1:<port>, wait until `/status`
 * answers, print the URLs it serves, and resolve with the exit code once it stops.
 */
import { detail, info, seconds } from "./output.ts";
import { freePort, startWrangler, untilExit, waitUntilServing } from "./processes.ts";
import type { Project, ServiceList } from "./project.ts";

export const HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;
/** wrangler's first start bundles and boots workerd: slow on a small machine, so be patient. */
const STARTUP_MS = 120_000;

export interface Serving {
	readonly port: number;
	/** `wrangler dev` arguments besides port, ip and inspector (e.g. `--config`, passthrough). */
	readonly args: readonly string[];
	readonly services: ServiceList;
	/** Whether the demo page is served at `/`. */
	readonly demo: boolean;
	/** Runs once wrangler has stopped, for whatever reason. */
	readonly cleanup?: () => void;
	/** Extra lines printed after the URLs, before "press Ctrl-C". */
	readonly notes?: readonly string[];
}

/** Resolves with the exit code when wrangler stops; rejects if it never starts serving. */
export async function serveWithWrangler(project: Project, serving: Serving): Promise<number> {
	const { port } = serving;
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
		...serving.args,
	]);
	const exited = untilExit(child, serving.cleanup);
	const started = Date.now();
	try {
		await waitUntilServing(`http://${HOST}:${port}/status`, child, STARTUP_MS);
	} catch (error) {
		if (child.exitCode === null) child.kill("SIGTERM");
		await exited;
		throw error;
	}
	printServing(`${HOST}:${port}`, Date.now() - started, serving.services, serving.demo);
	for (const note of serving.notes ?? []) info(note);
	info("press Ctrl-C to stop");
	return exited;
}

/** The URLs a developer needs: the demo page, the status check, and every service's rooms. */
function printServing(address: string, ms: number, services: ServiceList, demo: boolean): void {
	const rows: [string, string][] = [];
	if (demo) rows.push(["demo page", `http://${address}/`]);
	rows.push(["status", `http://${address}/status`]);
	rows.push(["default room", `ws://${address}/ws/:room  (service "${services.default ?? "?"}")`]);
	for (const name of services.names) rows.push([name, `ws://${address}/s/${name}/ws/:room`]);
	const width = Math.max(...rows.map(([label]) => label.length));
	info(`serving http://${address} (ready in ${seconds(ms)})`);
	for (const [label, url] of rows) detail(`${label.padEnd(width)}  ${url}`);
}
