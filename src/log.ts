/**
 * Log lines that clients cannot forge. Room ids, service names from URLs, close reasons and
 * error messages can hold anything a client sent; written raw, a newline would start a fake
 * `[stateroom]` line and an escape sequence would repaint the terminal. Every such string goes
 * through `escapeForLog` before it reaches `console`.
 */

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators and the bidi
 * overrides and isolates (which reorder what a terminal shows): every character that can end a
 * line or change how the rest of it reads. The backslash is escaped too, so that an escape in the
 * output always means an escaped character.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\" };

/**
 * The string with every unsafe character written as an escape (`\n`, `\x1b`, `\u2028`, `\\`),
 * so it stays on one line and shows exactly what was sent.
 *
 * @example
 * escapeForLog("a\n[stateroom] FORGED\u001b[2J"); // 'a\\n[stateroom] FORGED\\x1b[2J'
 */
export function escapeForLog(value: string): string {
	return value.replace(UNSAFE, escapeChar);
}

/**
 * The value escaped and in double quotes, with quotes inside escaped too, so the value ends where
 * it seems to: how log lines and refusals show a client-controlled name.
 */
export function quoteForLog(value: string): string {
	return `"${escapeForLog(value).replace(/"/g, escapeChar)}"`;
}

function escapeChar(char: string): string {
	const named = NAMED[char];
	if (named !== undefined) return named;
	const code = char.charCodeAt(0);
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * An error for a log line: its name and message escaped onto one line, then its stack frames,
 * each on its own indented line (frames come from code, not from clients). A message that
 * holds newlines can therefore never start a line of its own.
 */
export function describeErrorForLog(error: unknown): string {
	if (!(error instanceof Error)) return escapeForLog(String(error));
	const head = `${error.name}: ${error.message}`;
	// The stack starts with the head: frames are read only after it, so a message holding
	// "\n    at X" cannot add a frame.
	const stack = error.stack ?? "";
	const frames = (stack.startsWith(head) ? stack.slice(head.length) : stack)
		.split("\n")
		.filter((line) => /^\s+at /.test(line))
		.map((line) => `    ${escapeForLog(line.trim())}`);
	return [escapeForLog(head), ...frames].join("\n");
}

/** Whether `value` holds a C0 control, DEL or a C1 control: characters no name from a URL may hold. */
export function hasControlCharacter(value: string): boolean {
	for (let index = 0; index < value.length; index++) {
		const code = value.charCodeAt(index);
		if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
	}
	return false;
}

/** How deep the host is in writing its own lines (see `hostLog`). */
let hostLogging = 0;

/**
 * The host's own log lines. They go through the isolate's `console` like any other, marked, so
 * that the wrapper which escapes a TypeScript service's console lines (typescript/service-console.ts)
 * passes them through unchanged: they are already escaped where they hold what clients sent.
 */
export const hostLog = {
	log: (...args: unknown[]) => writeHostLine("log", args),
	info: (...args: unknown[]) => writeHostLine("info", args),
	warn: (...args: unknown[]) => writeHostLine("warn", args),
	error: (...args: unknown[]) => writeHostLine("error", args),
};

function writeHostLine(method: "log" | "info" | "warn" | "error", args: unknown[]): void {
	hostLogging += 1;
	try {
		console[method](...args);
	} finally {
		hostLogging -= 1;
	}
}

/** Whether the line being written is the host's own (see `hostLog`). */
export function isHostLogging(): boolean {
	return hostLogging > 0;
}
