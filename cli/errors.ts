/**
 * The CLI's one error type: what went wrong, and what to do about it. Commands throw it; `main`
 * prints it and exits with its code (2 for a usage mistake, 1 for everything else).
 */
import { stateroomCommand } from "./output.ts";

export class CliError extends Error {
	/** What to do about it, as an instruction. */
	readonly fix: string;
	readonly exitCode: number;

	constructor(message: string, fix: string, exitCode = 1) {
		super(message);
		this.name = "CliError";
		this.fix = fix;
		this.exitCode = exitCode;
	}
}

/** A mistake in the command line itself: exit code 2, and the fix points at `--help`. */
export function usageError(message: string, command?: string): CliError {
	const help = stateroomCommand(command ? `${command} --help` : "--help");
	return new CliError(message, `See \`${help}\` for the usage.`, 2);
}
