/**
 * Everything the CLI prints goes through here, so every line has the same shape:
 * `[stateroom] ...` for progress, `[stateroom] error: ...` and `[stateroom] fix: ...` for failures.
 */
const PREFIX = "[stateroom]";

export function info(line: string): void {
	process.stdout.write(`${PREFIX} ${line}\n`);
}

/** An indented detail line under the previous `info` line. */
export function detail(line: string): void {
	process.stdout.write(`${PREFIX}   ${line}\n`);
}

/** A progress line on stderr, for commands whose stdout is data (e.g. `--json`). */
export function note(line: string): void {
	process.stderr.write(`${PREFIX} ${line}\n`);
}

export function warn(line: string): void {
	process.stderr.write(`${PREFIX} warning: ${line}\n`);
}

/** Prints a failure: what went wrong (with indented detail lines), and what to do about it. */
export function failure(
	error: { readonly message: string; readonly fix: string },
	details: readonly string[] = [],
): void {
	const lines = details.map((line) => `${PREFIX}   ${line}\n`).join("");
	process.stderr.write(`${PREFIX} error: ${error.message}\n${lines}${PREFIX} fix: ${error.fix}\n`);
}

/** Runs a long step between a "..." line and a "done in N s" line. */
export async function step<T>(label: string, run: () => Promise<T>): Promise<T> {
	const started = Date.now();
	info(`${label}...`);
	const result = await run();
	info(`${label}: done in ${seconds(Date.now() - started)}`);
	return result;
}

export function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

/** Sizes as people read them: B, KiB or MiB. */
export function bytes(count: number): string {
	if (count < 1024) return `${count} B`;
	if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
	return `${(count / 1024 / 1024).toFixed(2)} MiB`;
}

/**
 * A `stateroom` command line as the user can type it in the project: the CLI is this package's
 * own bin, not on the PATH, so through `npx` (which runs it offline, from node_modules/.bin).
 */
export function stateroomCommand(args: string): string {
	return `npx stateroom ${args}`;
}
