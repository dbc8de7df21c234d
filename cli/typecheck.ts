/**
 * The type checker beside `stateroom dev`: wrangler bundles TypeScript without checking its
 * types, so a typo (`tally: Taly`) shows only as a Worker that fails to load. This runs the
 * project's own `tsc --noEmit --watch` over its tsconfig.json and prints each check's errors
 * with file, line and column, as tsc words them ("Did you mean 'Tally'?").
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { failure, info } from "./output.ts";
import type { Problem } from "./problem-page.ts";
import type { Project } from "./project.ts";
import { toolEnv } from "./wrangler-dev.ts";

export interface Diagnostic {
	/** `services/index.ts:24:9` */
	readonly at: string;
	readonly code: string;
	readonly text: string;
}

export interface TypeCheck {
	/** The last finished check's errors, once the check in progress (if any) is done (at most `ms`). */
	settled(ms: number): Promise<readonly Diagnostic[]>;
	close(): void;
}

/** Errors printed per check; the rest are counted. */
const MAX_PRINTED = 20;

/** Starts `tsc --watch` if the project has TypeScript and a tsconfig.json; else does nothing. */
export function watchTypes(project: Project): TypeCheck | undefined {
	const tsc = project.path("node_modules/typescript/bin/tsc");
	if (!existsSync(tsc) || !existsSync(project.path("tsconfig.json"))) return undefined;
	const child = spawn(
		process.execPath,
		[tsc, "--noEmit", "--watch", "--preserveWatchOutput", "--pretty", "false", "-p", "tsconfig.json"],
		{ cwd: project.root, env: toolEnv(project.root), stdio: ["ignore", "pipe", "pipe"] },
	);
	return readChecks(child);
}

function readChecks(child: ChildProcess): TypeCheck {
	let pending = "";
	let current: Diagnostic[] = [];
	let last: readonly Diagnostic[] = [];
	let checking = true;
	let shownClean = false;
	let waiters: (() => void)[] = [];
	const line = (text: string) => {
		const error = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(text);
		if (error) {
			current.push({ at: `${error[1]}:${error[2]}:${error[3]}`, code: error[4] as string, text: error[5] as string });
			return;
		}
		if (/Starting (?:incremental )?compilation/.test(text)) {
			checking = true;
			current = [];
			return;
		}
		if (/Found \d+ errors?\. Watching for file changes/.test(text)) {
			last = current;
			current = [];
			checking = false;
			shownClean = report(last, shownClean);
			for (const wake of waiters) wake();
			waiters = [];
		}
	};
	const read = (chunk: Buffer) => {
		pending += chunk.toString();
		const lines = pending.split(/\r?\n/);
		pending = lines.pop() ?? "";
		for (const text of lines) line(text);
	};
	child.stdout?.on("data", read);
	child.stderr?.on("data", read);
	child.once("error", () => {
		checking = false;
	});
	return {
		async settled(ms) {
			if (checking && child.exitCode === null) {
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, ms);
					waiters.push(() => {
						clearTimeout(timer);
						resolve();
					});
				});
			}
			return last;
		},
		close() {
			child.kill();
		},
	};
}

/** Prints a finished check; returns whether "no errors" has been said since the last errors. */
function report(errors: readonly Diagnostic[], shownClean: boolean): boolean {
	if (errors.length === 0) {
		if (!shownClean) info("type check: no errors");
		return true;
	}
	const shown = errors.slice(0, MAX_PRINTED).map((error) => `${error.at}: ${error.text} (${error.code})`);
	if (errors.length > MAX_PRINTED) shown.push(`and ${errors.length - MAX_PRINTED} more`);
	failure(
		{
			message: `the type check found ${errors.length === 1 ? "1 error" : `${errors.length} errors`} (tsc --noEmit):`,
			fix: "Fix them and save: wrangler runs the Worker without checking its types, so they can break it at run time.",
		},
		shown,
	);
	return false;
}

/**
 * A Worker that failed to load over an undefined name, explained by the type check when it
 * names that identifier (a typo, with tsc's "Did you mean ...?"): the fix is to correct that
 * line, not to add an import.
 */
export async function explainWithTypes(
	check: TypeCheck,
	problem: Problem,
	recovery: string,
	ms = 10_000,
): Promise<Problem> {
	const name = /ReferenceError: (\S+) is not defined/.exec(problem.message)?.[1];
	if (name === undefined) return problem;
	const errors = await check.settled(ms);
	// Only a suggestion says it is a typo; a bare "Cannot find name" is a missing import.
	const found = errors.find((error) => error.text.includes(`'${name}'`) && /Did you mean/.test(error.text));
	if (found === undefined) return problem;
	return {
		message: problem.message,
		fix: `The type check says ${found.at}: ${found.text} Correct that line, ${recovery}.`,
	};
}
