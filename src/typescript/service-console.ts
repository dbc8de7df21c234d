/**
 * A TypeScript service's `console` lines, written as the host writes a WebAssembly guest's
 * output: on one line, escaped, after the room they came from:
 *
 *     [stateroom] service "chat", room "lobby" (console.log): got "hi\n    at X"
 *
 * A service often logs what clients sent; written raw, a newline in it would forge a line (a
 * stack frame, a `[stateroom]` line) in the developer's terminal or the Worker's logs.
 *
 * Services call the isolate's one `console`, so its methods are wrapped once, when the first
 * TypeScript event runs (code that replaces them later, a test's spy say, replaces the wrapper
 * too). A line is attributed to the room whose handler is running synchronously; after an
 * `await` in a handler, to the one room with an event in flight, or to "a service" when several
 * are. The host's own lines pass through unchanged (see `hostLog` in log.ts); so does every line
 * written while no service event is in flight (the deployer's own code, say).
 */
import { jsonStringify } from "../intrinsics.ts";
import { describeErrorForLog, escapeForLog, isHostLogging } from "../log.ts";

const METHODS = ["log", "info", "warn", "error", "debug"] as const;
type Method = (typeof METHODS)[number];
type ConsoleMethod = (...args: unknown[]) => void;

/** The room (as log lines name it) of each event in flight, counted: one room runs one event at a time. */
const inFlight = new Map<string, number>();
/** The room whose handler is running synchronously right now. */
let current: string | undefined;
/** Whether the console's methods are wrapped (once, for good). */
let installed = false;

/**
 * Runs one event's handler with its console lines attributed to `room` (a `describeRoom` label).
 * `handler` is called synchronously. Speed: a handler that does not await (most do not) is done
 * when this returns, and nothing is returned; otherwise the promise settles with the handler's.
 */
export function runWithServiceConsole(room: string, handler: () => Promise<void> | void): Promise<void> | undefined {
	enter(room);
	const previous = current;
	current = room;
	let result: Promise<void> | void;
	try {
		result = handler();
	} catch (error) {
		leave(room);
		throw error;
	} finally {
		current = previous;
	}
	if (!isThenable(result)) {
		leave(room);
		return undefined;
	}
	return settle(room, result);
}

async function settle(room: string, result: PromiseLike<void>): Promise<void> {
	try {
		await result;
	} finally {
		leave(room);
	}
}

/** Whether `await value` would wait: only a thenable does (what else a handler returns is ignored). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
	return (
		(typeof value === "object" || typeof value === "function") &&
		value !== null &&
		typeof (value as { then?: unknown }).then === "function"
	);
}

function enter(room: string): void {
	inFlight.set(room, (inFlight.get(room) ?? 0) + 1);
	if (!installed) install();
}

function leave(room: string): void {
	const count = (inFlight.get(room) ?? 1) - 1;
	if (count > 0) inFlight.set(room, count);
	else inFlight.delete(room);
}

function install(): void {
	installed = true;
	const target = console as unknown as Record<Method, ConsoleMethod>;
	for (const method of METHODS) {
		const original = target[method];
		target[method] = (...args: unknown[]) => {
			if (isHostLogging() || inFlight.size === 0) return original.apply(console, args);
			original.call(console, serviceLine(method, args));
		};
	}
}

/** One escaped line: the room, the method, then the arguments as `console` would join them. */
export function serviceLine(method: Method, args: readonly unknown[]): string {
	const room = current ?? (inFlight.size === 1 ? [...inFlight.keys()][0] : undefined);
	const source = room ?? "a service (several rooms had events running)";
	return `[stateroom] ${source} (console.${method}): ${args.map(describeArgument).join(" ")}`;
}

function describeArgument(value: unknown): string {
	if (typeof value === "string") return escapeForLog(value);
	// An error's frames go on their own indented lines, under the line that names the room.
	if (value instanceof Error) return describeErrorForLog(value);
	if (typeof value === "object" && value !== null) {
		try {
			return escapeForLog(jsonStringify(value) ?? String(value));
		} catch {
			// Cyclic, or a BigInt inside: fall back to its string form.
		}
	}
	return escapeForLog(String(value));
}
