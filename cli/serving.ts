/**
 * What `dev` and `serve` share: run `wrangler dev` on 127.0.0.1:<port>, wait until `/status`
 * answers, print the URLs it serves, and resolve with the exit code once it is stopped.
 *
 * wrangler stops serving in two ways that a developer causes all the time: a module that throws
 * while the Worker loads (wrangler exits) and a bundle that fails to build (wrangler keeps
 * running, but every request hangs). Both end `serve` with the reason. `dev` (with `recover`)
 * says what broke and how to fix it, answers on the port with that reason instead of hanging
 * (see problem-page.ts), and starts wrangler again on the next change to the project.
 */
import type { ChildProcess } from "node:child_process";
import { CliError } from "./errors.ts";
import { detail, failure, info, seconds } from "./output.ts";
import { type Problem, type ProblemPage, serveProblem } from "./problem-page.ts";
import { freePort, startWrangler, waitUntilServing } from "./processes.ts";
import type { Project, ServiceNames } from "./project.ts";
import { type Watching, watchChanges } from "./watch.ts";
import { readWranglerOutput } from "./wrangler-output.ts";

export const HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;
/** wrangler's first start bundles and boots workerd: slow on a small machine, so be patient. */
const STARTUP_MS = 120_000;

export interface Serving {
	readonly port: number;
	/** `wrangler dev` arguments besides port, ip and inspector (e.g. `--config`, passthrough). */
	readonly args: readonly string[];
	/** Read again after every restart, so that a service added meanwhile is listed. */
	readonly services: () => ServiceNames;
	/** Whether the demo page is served at `/`. */
	readonly demo: boolean;
	/** Runs once the command stops, for whatever reason. */
	readonly cleanup?: () => void;
	/** Extra lines printed after the URLs, before "press Ctrl-C". */
	readonly notes?: readonly string[];
	/**
	 * Project paths whose changes restart wrangler after a failure (for `dev`). Without them a
	 * failure ends the command with its reason.
	 */
	readonly recover?: readonly string[];
}

/** Resolves with the exit code once stopped (Ctrl-C: 0); rejects when wrangler cannot serve. */
export async function serveWithWrangler(project: Project, serving: Serving): Promise<number> {
	const stop = stopSignal();
	const recovery = serving.recover
		? `then save: stateroom dev starts wrangler again on the next change to ${listed(serving.recover)}`
		: "then run the command again";
	try {
		for (let attempt = 0; ; attempt++) {
			const outcome = await runWrangler(project, serving, stop.requested, recovery, attempt === 0);
			if (outcome === "stopped") return 0;
			if (!serving.recover) throw new CliError(outcome.message, outcome.fix);
			failure(outcome);
			if ((await waitForFix(project, serving, serving.recover, outcome, stop.requested)) === "stopped") return 0;
			info("a change: starting wrangler dev again...");
		}
	} finally {
		stop.dispose();
		serving.cleanup?.();
	}
}

/** `a/, b/ or c.toml`: folders with a slash, as a reader expects. */
function listed(paths: readonly string[]): string {
	const shown = paths.map((path) => (/\.[a-z]+$/.test(path) ? path : `${path}/`));
	return shown.length > 1 ? `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}` : (shown[0] ?? "");
}

/** One run of `wrangler dev`: until it is stopped ("stopped") or stops serving (the problem). */
async function runWrangler(
	project: Project,
	serving: Serving,
	stopRequested: Promise<void>,
	recovery: string,
	first: boolean,
): Promise<"stopped" | Problem> {
	const { port } = serving;
	const inspector = await freePort();
	info(`starting wrangler dev on http://${HOST}:${port}...`);
	const output = readWranglerOutput(recovery);
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
	passThrough(child, output.write);
	// "close", not "exit": by then wrangler's last words (why it stopped) have been read.
	const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
	const buildFailed = new Promise<Problem>((resolve) => output.onBuildFailure(resolve));
	const stopped = stopRequested.then(() => "stopped" as const);
	const started = Date.now();
	const ready = waitUntilServing(`http://${HOST}:${port}/status`, child, STARTUP_MS).then(() => "ready" as const);
	ready.catch(() => {}); // Raced below; a late rejection (wrangler stopped by us) is expected.

	let end: "stopped" | Problem;
	try {
		const early = await Promise.race([ready, stopped, buildFailed]);
		if (early === "ready") {
			printServing(`${HOST}:${port}`, Date.now() - started, serving.services(), serving.demo, first);
			for (const note of first ? (serving.notes ?? []) : []) info(note);
			info("press Ctrl-C to stop");
			end = await Promise.race([stopped, buildFailed, exited.then((code) => output.exitProblem(code))]);
		} else {
			end = early;
		}
	} catch (error) {
		// wrangler stopped before it served, or never answered.
		if (child.exitCode === null && child.signalCode === null) {
			await stopChild(child, exited);
			throw error;
		}
		end = output.exitProblem(await exited);
	}
	await stopChild(child, exited);
	return end;
}

function passThrough(child: ChildProcess, read: (chunk: string) => void): void {
	child.stdout?.on("data", (chunk: Buffer) => {
		process.stdout.write(chunk);
		read(chunk.toString());
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		process.stderr.write(chunk);
		read(chunk.toString());
	});
}

/** Stops wrangler (and with it workerd) if it is still running, and waits until it has. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
	if (child.exitCode === null && child.signalCode === null) {
		child.kill("SIGTERM");
		const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
		await exited;
		clearTimeout(timer);
	}
}

/**
 * Answers on the port with the problem until a watched path changes (then resolves, to start
 * wrangler again) or the command is stopped.
 */
async function waitForFix(
	project: Project,
	serving: Serving,
	paths: readonly string[],
	problem: Problem,
	stopRequested: Promise<void>,
): Promise<"changed" | "stopped"> {
	let page: ProblemPage | undefined;
	try {
		page = await serveProblem(HOST, serving.port, problem);
		info(`until then, http://${HOST}:${serving.port} answers every request with this error (503)`);
	} catch {
		// Someone else took the port meanwhile: wrangler's next start will say so.
	}
	let watching: Watching | undefined;
	try {
		const changed = new Promise<"changed">((resolve) => {
			watching = watchChanges(project, paths, () => resolve("changed"));
		});
		return await Promise.race([changed, stopRequested.then(() => "stopped" as const)]);
	} finally {
		watching?.close();
		await page?.close();
	}
}

/** Ctrl-C and SIGTERM, as one promise; the child gets the signal from us (and the terminal). */
function stopSignal(): { requested: Promise<void>; dispose(): void } {
	let resolveStop: () => void = () => {};
	const requested = new Promise<void>((resolve) => {
		resolveStop = resolve;
	});
	const onSignal = () => resolveStop();
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);
	return {
		requested,
		dispose() {
			process.off("SIGINT", onSignal);
			process.off("SIGTERM", onSignal);
		},
	};
}

/** The URLs a developer needs: the demo page, the status check, and every service's rooms. */
function printServing(address: string, ms: number, services: ServiceNames, demo: boolean, first: boolean): void {
	if (!first) {
		info(`serving http://${address} again (ready in ${seconds(ms)})`);
		return;
	}
	const rows: [string, string][] = [];
	if (demo) rows.push(["demo page", `http://${address}/`]);
	rows.push(["status", `http://${address}/status`]);
	rows.push(["default room", `ws://${address}/ws/:room  (service "${services.default ?? "?"}")`]);
	for (const name of services.names) rows.push([name, `ws://${address}/s/${name}/ws/:room`]);
	const width = Math.max(...rows.map(([label]) => label.length));
	info(`serving http://${address} (ready in ${seconds(ms)})`);
	for (const [label, url] of rows) detail(`${label.padEnd(width)}  ${url}`);
}
