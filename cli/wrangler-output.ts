/**
 * Reads `wrangler dev`'s output as it passes through, for the two failures after which it no
 * longer serves: a Worker that throws while it loads (wrangler then exits) and a bundle that
 * fails to build (wrangler then keeps running, but every request hangs). Each becomes a
 * `Problem` that says what broke, in the words of the error, and how to fix it.
 */
import { stripVTControlCharacters } from "node:util";
import type { Problem } from "./problem-page.ts";

export interface WranglerOutput {
	/** Feeds a chunk of wrangler's output. */
	write(chunk: string): void;
	/** Called once per failed build, with the whole error (wrangler prints it over several lines). */
	onBuildFailure(listener: (problem: Problem) => void): void;
	/** Why wrangler stopped, from what it printed last. */
	exitProblem(code: number | null): Problem;
}

/** Wrangler prints a build error's lines in a burst: wait this long for the rest of it. */
const BURST_MS = 300;

/** `recovery` ends every fix: how to get going again once the cause is fixed. */
export function readWranglerOutput(recovery: string): WranglerOutput {
	let pending = "";
	let uncaught: string | undefined;
	let buildError: string[] | undefined;
	let listener: ((problem: Problem) => void) | undefined;
	const line = (text: string) => {
		if (/\[ERROR\] Build failed/.test(text)) {
			buildError = [];
			setTimeout(() => {
				const problem = buildProblem(buildError ?? [], recovery);
				buildError = undefined;
				listener?.(problem);
			}, BURST_MS);
		} else if (buildError) {
			buildError.push(text);
		}
		// workerd says it twice, the second time as JSON: keep the first, up to an escaped newline.
		const thrown = /service core:user:[^:]*: Uncaught (.+?)(?:\\n|"|\s*$)/.exec(text);
		if (thrown && uncaught === undefined) uncaught = thrown[1];
	};
	return {
		write(chunk) {
			pending += stripVTControlCharacters(chunk);
			const lines = pending.split(/\r?\n/);
			pending = lines.pop() ?? "";
			for (const text of lines) line(text);
		},
		onBuildFailure(callback) {
			listener = callback;
		},
		exitProblem(code) {
			return uncaught !== undefined ? loadProblem(uncaught, recovery) : stoppedProblem(code, recovery);
		},
	};
}

/** The first error of a failed build, and the import that triggered it when wrangler says so. */
function buildProblem(lines: readonly string[], recovery: string): Problem {
	const first = lines.map((text) => /\[ERROR\] (.+)$/.exec(text)?.[1]).find((found) => found !== undefined);
	const error = (first ?? "see wrangler's output above").replace(/\s*\[plugin [^\]]+\]\s*$/, "");
	// The project file that triggered it, not wrangler's or esbuild's own source.
	const at = lines
		.map((text) => /^\s+(\S+\.[cm]?[jt]s:\d+:\d+):\s*$/.exec(text)?.[1])
		.filter((found): found is string => found !== undefined && !found.includes("node_modules"))
		.at(-1);
	return {
		message: `wrangler could not build the Worker: ${error}${at ? ` (at ${at})` : ""}.`,
		fix: `Fix that file or import (a build/wasm module comes from \`npm run build:wasm\`), ${recovery}.`,
	};
}

/** A module threw while workerd loaded the Worker, e.g. a service used without its import. */
function loadProblem(uncaught: string, recovery: string): Problem {
	const undefinedName = /ReferenceError: (\S+) is not defined/.exec(uncaught)?.[1];
	const hint = undefinedName
		? `\`${undefinedName}\` is used but never defined or imported: add its import line (e.g. in services/index.ts, \`import { ${undefinedName} } from "./<file>.ts";\`)`
		: "A module threw while the Worker loaded (services/index.ts or a service it imports): fix the error";
	return {
		message: `the Worker failed to load: Uncaught ${uncaught.replace(/\.$/, "")}.`,
		fix: `${hint}, ${recovery}.`,
	};
}

function stoppedProblem(code: number | null, recovery: string): Problem {
	return {
		message: `wrangler dev stopped (exit code ${code ?? "none"}); its output is above.`,
		fix: `Fix the error wrangler reports, ${recovery}.`,
	};
}
