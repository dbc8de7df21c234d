/**
 * The `stateroom` command line: a thin layer over wrangler that builds, serves, bundles,
 * deploys and scaffolds Stateroom services. Each subcommand lives in cli/commands/.
 */

import { readFileSync } from "node:fs";
import { type Command, runCommand } from "./command.ts";
import { build } from "./commands/build.ts";
import { deploy } from "./commands/deploy.ts";
import { dev } from "./commands/dev.ts";
import { init } from "./commands/init.ts";
import { newCommand } from "./commands/new.ts";
import { publish } from "./commands/publish.ts";
import { publishKey } from "./commands/publish-key.ts";
import { room } from "./commands/room.ts";
import { rooms } from "./commands/rooms.ts";
import { serve } from "./commands/serve.ts";
import { token } from "./commands/token.ts";
import { rollback, unpublish, versions } from "./commands/versions.ts";
import { CliError, usageError } from "./errors.ts";
import { failure } from "./output.ts";

export const COMMANDS: readonly Command[] = [
	init,
	dev,
	serve,
	build,
	deploy,
	newCommand,
	token,
	rooms,
	room,
	publish,
	versions,
	rollback,
	unpublish,
	publishKey,
];

export function usage(): string {
	const width = Math.max(...COMMANDS.map((command) => command.name.length));
	return `Usage: stateroom <command> [arguments] [options]

Small stateful WebSocket services on Cloudflare Workers, served and deployed with wrangler.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

Options:
  -h, --help      Show help (also \`npx stateroom <command> --help\`)
  -v, --version   Print stateroom's version

Run \`npx stateroom <command> --help\` for a command's arguments and examples.`;
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (name === undefined || name === "--help" || name === "-h") {
		process.stdout.write(`${usage()}\n`);
		return name === undefined ? 2 : 0;
	}
	if (name === "--version" || name === "-v") {
		process.stdout.write(`stateroom ${version()}\n`);
		return 0;
	}
	try {
		if (name === "help") return helpFor(rest[0]);
		const command = COMMANDS.find((candidate) => candidate.name === name);
		if (!command) {
			throw usageError(
				`Unknown command "${name}". The commands are: ${COMMANDS.map((candidate) => candidate.name).join(", ")}.`,
			);
		}
		return await runCommand(command, rest);
	} catch (error) {
		if (!(error instanceof CliError)) throw error;
		failure(error);
		return error.exitCode;
	}
}

/** `stateroom help [command]`, the same texts as `--help`. */
function helpFor(name: string | undefined): number {
	const command = COMMANDS.find((candidate) => candidate.name === name);
	if (name !== undefined && !command) {
		throw usageError(`Unknown command "${name}". The commands are: ${COMMANDS.map((c) => c.name).join(", ")}.`);
	}
	process.stdout.write(`${command ? command.help : usage()}\n`);
	return 0;
}

/** This package's version, from its package.json (next to cli/). */
export function version(): string {
	const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
		version?: string;
	};
	return manifest.version ?? "unknown";
}
