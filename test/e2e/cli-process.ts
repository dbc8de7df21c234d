/**
 * Runs the real `stateroom` CLI (cli/bin.mjs on the project's Node) for end-to-end tests: to
 * completion with a bounded wait, or in the background with waits on its output. Background
 * runs get their own process group, so stopping one stops wrangler and workerd with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { killGroup, stopProcess } from "../../cli/wrangler-dev.ts";
import { PROJECT_ROOT } from "./project-copy.ts";

export const CLI = join(PROJECT_ROOT, "cli/bin.mjs");
/** The project's Node 22, which the CLI needs (and which runs these tests). */
export const NODE = process.execPath;

export interface CliResult {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
	/** stdout and stderr, interleaved as printed. */
	readonly output: string;
}

export interface CliOptions {
	readonly cwd?: string;
	readonly env?: NodeJS.ProcessEnv;
	readonly timeoutMs?: number;
}

function launch(command: string, args: readonly string[], options: CliOptions): ChildProcess {
	return spawn(command, args, {
		cwd: options.cwd ?? PROJECT_ROOT,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...options.env },
	});
}

/** Runs the CLI to completion; rejects (after killing it) if it takes longer than the timeout. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
	return runCommand(NODE, [CLI, ...args], options);
}

/** Runs any command (`npm`, another Node) to completion, as `runCli` runs the CLI. */
export function runCommand(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
	const child = launch(command, args, options);
	let stdout = "";
	let stderr = "";
	let output = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		stdout += chunk;
		output += chunk;
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr += chunk;
		output += chunk;
	});
	const ms = options.timeoutMs ?? 20_000;
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			killGroup(child.pid, "SIGKILL");
			reject(new Error(`${command} ${args.join(" ")} did not finish within ${ms} ms; output:\n${output}`));
		}, ms);
		child.once("close", (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, output });
		});
	});
}

export interface BackgroundCli {
	output(): string;
	/**
	 * Resolves when the output (from offset `from`, e.g. an earlier `output().length`) matches;
	 * rejects on timeout or if the CLI exits first.
	 */
	waitFor(pattern: RegExp, ms: number, from?: number): Promise<RegExpMatchArray>;
	/** SIGTERM to the whole group (SIGKILL after 10 s); resolves with the CLI's exit code. */
	stop(): Promise<number | null>;
	readonly exited: Promise<number | null>;
}

export function startCli(args: readonly string[], options: CliOptions = {}): BackgroundCli {
	return startCommand(NODE, [CLI, ...args], options);
}

/** Starts any command in the background (its own process group), as `startCli` starts the CLI. */
export function startCommand(command: string, args: readonly string[], options: CliOptions = {}): BackgroundCli {
	const child = launch(command, args, options);
	let output = "";
	const listeners = new Set<() => void>();
	const onData = (chunk: Buffer) => {
		output += chunk;
		for (const listener of [...listeners]) listener();
	};
	child.stdout?.on("data", onData);
	child.stderr?.on("data", onData);
	const exited = new Promise<number | null>((resolve) => {
		child.once("exit", (code) => {
			for (const listener of [...listeners]) listener();
			resolve(code);
		});
	});
	return {
		output: () => output,
		exited,
		waitFor(pattern, ms, from = 0) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const match = output.slice(from).match(pattern);
					if (match) finish(() => resolve(match));
					else if (child.exitCode !== null) {
						finish(() =>
							reject(new Error(`stateroom exited (${child.exitCode}) before printing ${pattern}:\n${output}`)),
						);
					}
				};
				const timer = setTimeout(
					() => finish(() => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`))),
					ms,
				);
				const finish = (settle: () => void) => {
					clearTimeout(timer);
					listeners.delete(check);
					settle();
				};
				listeners.add(check);
				check();
			});
		},
		async stop() {
			if (child.exitCode === null) {
				await stopProcess(child, { graceMs: 10_000 });
				return exited;
			}
			return child.exitCode;
		},
	};
}
