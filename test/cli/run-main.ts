/**
 * Runs the `stateroom` command line in this process (cli/main.ts's `main`, as cli/bin.mjs
 * does) and collects what it prints: argument parsing, help texts and the mistakes the CLI
 * refuses, without the cost of a Node process per case. Commands that start processes
 * (wrangler, builds) are tested end to end instead (test/e2e/).
 */
import { main } from "../../cli/main.ts";

export interface MainResult {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
	/** stdout and stderr, as printed. */
	readonly output: string;
}

export interface MainOptions {
	/** The folder it runs in (default: this one, the project). */
	readonly cwd?: string;
	/** Environment variables set (or, as undefined, unset) while it runs. */
	readonly env?: Record<string, string | undefined>;
}

/** One at a time: it swaps the process's stdout and stderr writers and its folder. */
export async function runMain(args: readonly string[], options: MainOptions = {}): Promise<MainResult> {
	let stdout = "";
	let stderr = "";
	let output = "";
	const writers = { out: process.stdout.write, err: process.stderr.write };
	const folder = process.cwd();
	const saved = Object.fromEntries(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
	process.stdout.write = ((chunk: string | Uint8Array) => {
		stdout += chunk.toString();
		output += chunk.toString();
		return true;
	}) as typeof process.stdout.write;
	process.stderr.write = ((chunk: string | Uint8Array) => {
		stderr += chunk.toString();
		output += chunk.toString();
		return true;
	}) as typeof process.stderr.write;
	setEnv(options.env ?? {});
	try {
		if (options.cwd) process.chdir(options.cwd);
		const code = await main(args);
		return { code, stdout, stderr, output };
	} finally {
		process.chdir(folder);
		setEnv(saved);
		process.stdout.write = writers.out;
		process.stderr.write = writers.err;
	}
}

function setEnv(values: Record<string, string | undefined>): void {
	for (const [name, value] of Object.entries(values)) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
}
