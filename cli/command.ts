/**
 * What every `stateroom` subcommand is, and the one place that parses its arguments: options,
 * `--help` and the positional count are handled here, so a command's `run` sees only a valid
 * command line.
 */
import { noExtraPositionals, type Options, type Parsed, parse } from "./args.ts";

export interface Command {
	readonly name: string;
	readonly summary: string;
	/** The full `stateroom <name> --help` text. */
	readonly help: string;
	/** The command's own options (`--help` is added to every command). */
	readonly options?: Options;
	/** How many positional arguments it takes at most. */
	readonly positionals: number;
	/** Resolves with the exit code; throws a `CliError` to fail with an explanation. */
	run(parsed: Parsed): Promise<number>;
}

/** Parses `args` for `command`, answers `--help`, and runs it. */
export async function runCommand(command: Command, args: readonly string[]): Promise<number> {
	const parsed = parse(command.name, args, command.options);
	if (parsed.help) {
		process.stdout.write(`${command.help}\n`);
		return 0;
	}
	noExtraPositionals(parsed, command.positionals, command.name);
	return command.run(parsed);
}
