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
import { CliError } from "./errors.ts";
import { detail, failure, info, seconds } from "./output.ts";
import { type Problem, type ProblemPage, serveProblem } from "./problem-page.ts";
import type { Project, ServiceNames } from "./project.ts";
import { type ModificationTimes, modificationTimes, type Watching, watchChanges } from "./watch.ts";
import { runWranglerDev, WranglerDevError } from "./wrangler-dev.ts";
import { wranglerNoiseFilter } from "./wrangler-noise.ts";

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
	/** The path before Stateroom's routes, for an app that mounts it (`""`: none). */
	readonly prefix?: string;
	/** Runs once the command stops, for whatever reason. */
	readonly cleanup?: () => void;
	/** Extra lines printed after the URLs, before "press Ctrl-C". */
	readonly notes?: readonly string[];
	/**
	 * Project paths whose changes restart wrangler after a failure (for `dev`). Without them a
	 * failure ends the command with its reason.
	 */
	readonly recover?: readonly string[];
	/** Says more about a problem before it is printed (dev: what the type check found). */
	readonly explain?: (problem: Problem, recovery: string) => Promise<Problem>;
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
			// The files as they are now: a fix saved while the problem is explained still counts.
			const failedOn = modificationTimes(project, serving.recover);
			const problem = (await serving.explain?.(outcome, recovery)) ?? outcome;
			failure(problem);
			const fixed = await waitForFix(project, serving, serving.recover, failedOn, problem, stop.requested);
			if (fixed === "stopped") return 0;
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
	info(`starting wrangler dev on http://${HOST}:${port}...`);
	const stdout = wranglerNoiseFilter(sayOffline);
	const stderr = wranglerNoiseFilter(sayOffline);
	const run = await runWranglerDev({
		root: project.root,
		port,
		host: HOST,
		args: serving.args,
		startupMs: STARTUP_MS,
		group: "shared",
		recovery,
		onOutput: (chunk, stream) =>
			stream === "stdout" ? process.stdout.write(stdout.write(chunk)) : process.stderr.write(stderr.write(chunk)),
	});
	const stopped = stopRequested.then(() => "stopped" as const);
	const started = Date.now();

	let end: "stopped" | Problem;
	try {
		const early = await Promise.race([run.ready.then(() => "ready" as const), stopped]);
		if (early === "ready") {
			printServing(
				`${HOST}:${port}`,
				serving.prefix ?? "",
				Date.now() - started,
				serving.services(),
				serving.demo,
				first,
			);
			for (const note of first ? (serving.notes ?? []) : []) info(note);
			info("press Ctrl-C to stop");
			end = await Promise.race([stopped, run.failed]);
		} else {
			end = early;
		}
	} catch (error) {
		// wrangler stopped before it served, its build failed, or it never answered.
		if (!(error instanceof WranglerDevError) || error.problem === undefined) {
			await run.stop();
			throw new CliError(
				`wrangler dev did not answer http://${HOST}:${port}/status within ${STARTUP_MS / 1000} s.`,
				"Look at wrangler's output above for the cause; on a slow machine, try again.",
			);
		}
		end = error.problem;
	}
	await run.stop();
	process.stdout.write(stdout.flush());
	process.stderr.write(stderr.flush());
	return end;
}

let offlineSaid = false;

/** Once per command: wrangler's own offline warnings (a stack per reload) are left out. */
function sayOffline(): void {
	if (offlineSaid) return;
	offlineSaid = true;
	info(
		"offline: wrangler cannot fetch request.cf from workers.cloudflare.com; it uses placeholders (its warnings are hidden)",
	);
}

/**
 * Answers on the port with the problem until a watched path changes (then resolves, to start
 * wrangler again) or the command is stopped.
 */
async function waitForFix(
	project: Project,
	serving: Serving,
	paths: readonly string[],
	failedOn: ModificationTimes,
	problem: Problem,
	stopRequested: Promise<void>,
): Promise<"changed" | "stopped"> {
	let page: ProblemPage | undefined;
	let watching: Watching | undefined;
	try {
		// Watching before saying so: a save right after "until then" is never missed.
		const changed = new Promise<"changed">((resolve) => {
			watching = watchChanges(project, paths, () => resolve("changed"), failedOn);
		});
		try {
			page = await serveProblem(HOST, serving.port, problem);
			info(`until then, http://${HOST}:${serving.port} answers every request with this error (503)`);
		} catch {
			// Someone else took the port meanwhile: wrangler's next start will say so.
		}
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
function printServing(
	address: string,
	prefix: string,
	ms: number,
	services: ServiceNames,
	demo: boolean,
	first: boolean,
): void {
	if (!first) {
		info(`serving http://${address} again (ready in ${seconds(ms)})`);
		return;
	}
	const rows: [string, string][] = [];
	if (demo) rows.push(["demo page", `http://${address}/`]);
	const base = `${address}${prefix}`;
	rows.push(["status", `http://${base}/status`]);
	rows.push(["default room", `ws://${base}/ws/:room  (service "${services.default ?? "?"}")`]);
	for (const name of services.names) rows.push([name, `ws://${base}/s/${name}/ws/:room`]);
	const width = Math.max(...rows.map(([label]) => label.length));
	info(`serving http://${address} (ready in ${seconds(ms)})`);
	for (const [label, url] of rows) detail(`${label.padEnd(width)}  ${url}`);
}
