/** What every `stateroom` subcommand is: a name, a one-line summary, a help text, and a run. */
export interface Command {
	readonly name: string;
	readonly summary: string;
	/** The full `stateroom <name> --help` text. */
	readonly help: string;
	/** Resolves with the exit code; throws a `CliError` to fail with an explanation. */
	run(args: readonly string[]): Promise<number>;
}
