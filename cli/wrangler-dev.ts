/**
 * Starts and stops `wrangler dev`: the one supervisor of it, used by `stateroom dev` and
 * `serve`, the end-to-end tests and the benchmark. It picks a free port (unless given one),
 * waits until `/status` answers (each poll bounded), notices a bundle that fails to build
 * (wrangler keeps running then, but every request hangs) and a Worker that stops it, keeps a
 * bounded tail of the output, stops the whole process tree (workerd included) and removes the
 * temporary state folder it made. A start that fails leaves nothing running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { Problem } from "./problem-page.ts";
import { readWranglerOutput } from "./wrangler-output.ts";

export const LOOPBACK = "127.0.0.1";

export interface WranglerDevOptions {
	/** The project folder: wrangler runs there, from its node_modules. */
	readonly root: string;
	/** Port to serve on; default: a free one. */
	readonly port?: number;
	readonly host?: string;
	/** More `wrangler dev` arguments, e.g. `["--config", "other.toml"]`. */
	readonly args?: readonly string[];
	/**
	 * Where rooms are stored: a folder, "temporary" (a fresh folder, removed on `stop`), or
	 * undefined for wrangler's default (.wrangler/state, or a `--persist-to` in `args`).
	 */
	readonly state?: string | "temporary";
	/** How long the first answer from `/status` may take (default 120 s). */
	readonly startupMs?: number;
	/**
	 * "own" (default): wrangler gets its own process group, stopped as a whole; for tests and the
	 * benchmark. "shared": it stays in ours with our stdin (a terminal's Ctrl-C reaches it, and
	 * whoever stops our group stops it); for the CLI.
	 */
	readonly group?: "own" | "shared";
	readonly env?: NodeJS.ProcessEnv;
	/** Every chunk of output as it arrives (the CLI prints it). */
	readonly onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
	/** Ends every problem's fix: how to get going again (default "then start it again"). */
	readonly recovery?: string;
	/** The most output `output()` keeps, in characters (default 256 KiB): the tail is kept. */
	readonly logLimit?: number;
}

/** wrangler did not start serving; `problem` says why when wrangler said so. */
export class WranglerDevError extends Error {
	readonly problem: Problem | undefined;
	readonly output: string;

	constructor(message: string, problem: Problem | undefined, output: string) {
		super(`${message}\nwrangler's last output:\n${output.slice(-6000)}`);
		this.name = "WranglerDevError";
		this.problem = problem;
		this.output = output;
	}
}

/** One running `wrangler dev` process. */
export interface WranglerRun {
	readonly port: number;
	readonly child: ChildProcess;
	/** Resolves once `/status` answers (below 500); rejects with a `WranglerDevError` otherwise. */
	readonly ready: Promise<void>;
	/** Resolves if wrangler stops serving on its own: a failed rebuild, or it exited. */
	readonly failed: Promise<Problem>;
	/** Stops it and everything it started, and waits until they are gone. */
	stop(signal?: NodeJS.Signals): Promise<void>;
}

const DEFAULT_STARTUP_MS = 120_000;
const DEFAULT_LOG_LIMIT = 256 * 1024;
/** A `/status` poll that hangs (a failed build) must not hold the wait past the deadline. */
const POLL_TIMEOUT_MS = 2_000;
/** SIGTERM first; SIGKILL if it is still running after this. */
const STOP_GRACE_MS = 5_000;

/** A port nobody listens on right now. */
export function freePort(host = LOOPBACK): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, host, () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => (port > 0 ? resolve(port) : reject(new Error("the system gave no free port"))));
		});
	});
}

/** Signals a process group (the negative pid); a group that is gone already is no error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	try {
		if (pid !== undefined) process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/** Processes in process group `group` (Linux /proc; elsewhere none are found). */
export function groupMembers(group: number): number[] {
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
	} catch {
		return [];
	}
	return pids.map(Number).filter((pid) => {
		const stat = readProc(pid, "stat");
		// The fields after the command's closing parenthesis: state, ppid, pgrp, ...
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return stat !== "" && Number(fields[2]) === group;
	});
}

export function readProc(pid: number, file: string): string {
	try {
		return readFileSync(`/proc/${pid}/${file}`, "utf8");
	} catch {
		return "";
	}
}

/**
 * The environment of wrangler: this Node and the project's tools first on the PATH, so that it
 * runs on the same Node 22 as we do even when the system's `node` is older.
 */
export function toolEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const path = [join(root, "node_modules/.bin"), dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);
	return { ...process.env, PATH: path, WRANGLER_SEND_METRICS: "false", ...extra };
}

/** The path of wrangler's JavaScript entry in `root`, or undefined when it is not installed. */
export function wranglerEntry(root: string): string | undefined {
	const path = join(root, "node_modules/wrangler/bin/wrangler.js");
	return existsSync(path) ? path : undefined;
}

/**
 * Starts one `wrangler dev` and returns at once; await `ready` for it to serve. The caller
 * stops it (`stop`), also when `ready` rejects.
 */
export async function runWranglerDev(
	options: WranglerDevOptions & { readonly port: number; readonly persistTo?: string },
	log: (chunk: string) => void = () => {},
): Promise<WranglerRun> {
	const host = options.host ?? LOOPBACK;
	const { port } = options;
	const entry = wranglerEntry(options.root);
	if (entry === undefined) throw new Error(`wrangler is not installed in ${options.root} (run \`npm install\`)`);
	const inspector = await freePort(host);
	const args = [entry, "dev", "--port", String(port), "--ip", host, "--inspector-port", String(inspector)];
	if (options.persistTo !== undefined) args.push("--persist-to", options.persistTo);
	args.push(...(options.args ?? []));
	const own = options.group !== "shared";
	const child = spawn(process.execPath, args, {
		cwd: options.root,
		detached: own,
		stdio: [own ? "ignore" : "inherit", "pipe", "pipe"],
		env: toolEnv(options.root, options.env),
	});
	const reader = readWranglerOutput(options.recovery ?? "then start it again");
	let output = "";
	const limit = options.logLimit ?? DEFAULT_LOG_LIMIT;
	const take = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
		const text = chunk.toString();
		output = (output + text).slice(-limit);
		log(text);
		reader.write(text);
		options.onOutput?.(text, stream);
	};
	child.stdout?.on("data", take("stdout"));
	child.stderr?.on("data", take("stderr"));

	let stopping = false;
	// "close", not "exit": by then wrangler's last words (why it stopped) have been read.
	const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
	const spawnFailed = new Promise<Problem>((resolve) =>
		child.once("error", (error) =>
			resolve({ message: `wrangler could not be started: ${error.message}.`, fix: "Run `npm install`." }),
		),
	);
	const buildFailed = new Promise<Problem>((resolve) => reader.onBuildFailure(resolve));
	const exitedProblem = closed.then((code) => reader.exitProblem(code));
	const failed = new Promise<Problem>((resolve) => {
		const report = (problem: Problem) => {
			if (!stopping) resolve(problem);
		};
		void Promise.race([buildFailed, exitedProblem, spawnFailed]).then(report);
	});

	const url = `http://${host}:${port}/status`;
	const startupMs = options.startupMs ?? DEFAULT_STARTUP_MS;
	const ready = waitForStatus(url, startupMs, failed).catch((error: unknown) => {
		const problem = (error as { problem?: Problem }).problem;
		throw new WranglerDevError(
			problem ? `${problem.message} ${problem.fix}` : (error as Error).message,
			problem,
			output,
		);
	});
	ready.catch(() => {}); // The caller may race it; a late rejection after a stop is expected.

	return {
		port,
		child,
		ready,
		failed,
		async stop(signal = "SIGTERM") {
			stopping = true;
			await stopProcess(child, { signal, group: own });
		},
	};
}

/**
 * Stops `child` (SIGKILL if it still runs after `graceMs`) and waits until it has exited; with
 * `group` (a child spawned `detached`), its whole process group, until every member is gone.
 */
export async function stopProcess(
	child: ChildProcess,
	{ signal = "SIGTERM", group = true, graceMs = STOP_GRACE_MS }: StopOptions = {},
): Promise<void> {
	const running = child.exitCode === null && child.signalCode === null && child.pid !== undefined;
	if (running) {
		const exited = new Promise((resolve) => child.once("exit", resolve));
		const send = (sig: NodeJS.Signals) => (group ? killGroup(child.pid, sig) : child.kill(sig));
		send(signal);
		const timer = setTimeout(() => send("SIGKILL"), graceMs);
		await exited;
		clearTimeout(timer);
	}
	// workerd may outlive wrangler's node by a moment; wait until the group is gone.
	await waitForGroup(group ? child.pid : undefined);
}

export interface StopOptions {
	readonly signal?: NodeJS.Signals;
	/** Signal the child's whole process group (it was spawned `detached`); default true. */
	readonly group?: boolean;
	readonly graceMs?: number;
}

async function waitForGroup(group: number | undefined): Promise<void> {
	if (group === undefined) return;
	for (let tries = 0; tries < 50 && groupMembers(group).length > 0; tries++) {
		if (tries === 30) killGroup(group, "SIGKILL");
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Polls `url` until it answers (below 500); rejects on `failed` (with its problem) or after `ms`. */
async function waitForStatus(url: string, ms: number, failed: Promise<Problem>): Promise<void> {
	let problem: Problem | undefined;
	void failed.then((found) => {
		problem = found;
	});
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (problem) throw Object.assign(new Error(problem.message), { problem });
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
			await response.body?.cancel();
			// Any answer but a server error means the Worker runs: an app that mounts Stateroom under a
			// prefix may answer its own 404 at /status.
			if (response.status < 500) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	if (problem) throw Object.assign(new Error(problem.message), { problem });
	throw new Error(`wrangler dev did not answer ${url} within ${ms / 1000} s.`);
}

/** A `wrangler dev` kept serving on one port and one state folder across restarts. */
export interface WranglerDev {
	readonly port: number;
	readonly http: string;
	readonly ws: string;
	/** The tail of everything it printed, across restarts (bounded by `logLimit`). */
	output(): string;
	/** The running process group's id, if it runs. */
	pid(): number | undefined;
	/** Stops it and removes a temporary state folder. */
	stop(): Promise<void>;
	/** Stops it (SIGTERM), keeping its port and state: `restart()` brings it back. */
	pause(): Promise<void>;
	/** Stops and starts it on the same port and state: every room loads from storage again. */
	restart(): Promise<void>;
	/** SIGKILL to the whole group, as a crash would; `restart()` brings it back on the same state. */
	kill(): Promise<void>;
}

/** Starts `wrangler dev` and waits until it serves; a failed start leaves nothing behind. */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
	const host = options.host ?? LOOPBACK;
	const port = options.port ?? (await freePort(host));
	const temporary = options.state === "temporary" ? mkdtempSync(join(tmpdir(), "stateroom-wrangler-")) : undefined;
	const persistTo = temporary ?? (options.state === "temporary" ? undefined : options.state);
	const limit = options.logLimit ?? DEFAULT_LOG_LIMIT;
	let log = "";
	let run: WranglerRun | undefined;

	const launch = async () => {
		run = await runWranglerDev({ ...options, host, port, ...(persistTo ? { persistTo } : {}) }, (chunk) => {
			log = (log + chunk).slice(-limit);
		});
		await run.ready;
	};
	const halt = async (signal?: NodeJS.Signals) => {
		const running = run;
		run = undefined;
		await running?.stop(signal);
	};
	const removeState = () => {
		if (temporary) rmSync(temporary, { recursive: true, force: true });
	};

	try {
		await launch();
	} catch (error) {
		await halt();
		removeState();
		throw error;
	}
	return {
		port,
		http: `http://${host}:${port}`,
		ws: `ws://${host}:${port}`,
		output: () => log,
		pid: () => run?.child.pid,
		async stop() {
			await halt();
			removeState();
		},
		async restart() {
			await halt();
			try {
				await launch();
			} catch (error) {
				await halt();
				throw error;
			}
		},
		pause: () => halt(),
		kill: () => halt("SIGKILL"),
	};
}
