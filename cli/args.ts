/**
 * Command-line parsing shared by every command (node:util parseArgs, strict), so options,
 * `--help` and `-- <wrangler arguments>` read the same everywhere and mistakes fail the same way.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { errorMessage } from "../src/errors.ts";
import { usageError } from "./errors.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
	readonly values: Record<string, string | boolean | undefined>;
	readonly positionals: string[];
	/** Everything after `--`, passed to wrangler unchanged. */
	readonly passthrough: string[];
	readonly help: boolean;
}

export function parse(command: string, args: readonly string[], options: Options = {}): Parsed {
	const split = args.indexOf("--");
	const own = split === -1 ? [...args] : args.slice(0, split);
	const passthrough = split === -1 ? [] : args.slice(split + 1);
	try {
		const { values, positionals } = parseArgs({
			args: own,
			options: { ...options, help: { type: "boolean", short: "h" } },
			allowPositionals: true,
			strict: true,
		});
		const { help, ...rest } = values as Record<string, string | boolean | undefined>;
		return { values: rest, positionals, passthrough, help: help === true };
	} catch (error) {
		// parseArgs's messages run on about '--' for positionals; keep their first sentence only.
		throw usageError(`${errorMessage(error).split(/\.\s/)[0]?.replace(/\.$/, "")}.`, command);
	}
}

/** A TCP port from the command line, or a usage error that says what is wrong with it. */
export function parsePort(raw: string | boolean | undefined, fallback: number, command: string): number {
	if (raw === undefined || raw === false) return fallback;
	const port = Number(raw);
	if (typeof raw !== "string" || !/^\d+$/.test(raw) || port < 1 || port > 65535) {
		throw usageError(`"${String(raw)}" is not a port number: use a whole number from 1 to 65535.`, command);
	}
	return port;
}

/** Refuses positionals beyond the `max` a command takes. */
export function noExtraPositionals(parsed: Parsed, max: number, command: string): void {
	if (parsed.positionals.length > max) {
		throw usageError(`Unexpected argument "${parsed.positionals[max]}".`, command);
	}
}
