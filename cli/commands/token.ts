/**
 * `stateroom token --service S --room R [--user U] [--ttl 1h]`: mints a join token for
 * development, signed with the same Worker secret `wrangler dev` reads (.dev.vars), and prints
 * it on stdout alone, so that `TOKEN=$(npx stateroom token ...)` works.
 */
import { existsSync, readFileSync } from "node:fs";
import { MIN_SECRET_BYTES, mintJoinToken } from "../../src/access/token.ts";
import { isServiceName } from "../../src/naming.ts";
import { DEFAULT_ACCESS } from "../../src/settings.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { findProject } from "../project.ts";

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

export const token: Command = {
	name: "token",
	summary: "Mint a signed join token for development",
	help: `Usage: stateroom token --service <name> --room <room> [options]

Prints a join token (an HS256 JWT) for a service whose settings say access.token: "required".
Clients send it as ?token=<token> on the room URL (or Authorization: Bearer <token>).
The token is signed with the Worker secret the Worker reads: the environment variable of
that name if set, else the project's .dev.vars (what \`wrangler dev\` reads).

Options:
  --service <name>      The service the token opens (required)
  --room <room>         The room it opens, or a pattern: * matches any run of characters
                        ("game-*", "*") (required)
  --user <id>           The user id the service sees (ctx.identity(client).user)
  --claims <json>       Free-form claims the service sees, a JSON object
  --ttl <time>          How long it is valid: 90s, 30m, 1h, 7d (default 1h)
  --secret-name <name>  The Worker secret to sign with (default ${DEFAULT_ACCESS.secretName};
                        match the service's access.secretName)
  -h, --help            Show this help

Examples:
  npx stateroom token --service chat --room lobby --user ann
  npx stateroom token --service game --room "match-*" --claims '{"role":"viewer"}' --ttl 10m`,

	options: {
		service: { type: "string" },
		room: { type: "string" },
		user: { type: "string" },
		claims: { type: "string" },
		ttl: { type: "string" },
		"secret-name": { type: "string" },
	},
	positionals: 0,

	async run(parsed) {
		const { service, room, user, claims, ttl } = parsed.values;
		if (typeof service !== "string" || !isServiceName(service)) {
			throw usageError("Give the service the token opens: --service <name> (a registered service name).", "token");
		}
		if (typeof room !== "string" || room.length === 0) {
			throw usageError('Give the room the token opens: --room <room> (or a pattern such as "game-*").', "token");
		}
		const secretName = stringOr(parsed.values["secret-name"], DEFAULT_ACCESS.secretName);
		const jwt = await mintJoinToken(readSecret(secretName), {
			service,
			room,
			user: typeof user === "string" ? user : undefined,
			claims: parseClaims(claims),
			ttlSeconds: parseTtl(stringOr(ttl, "1h")),
		});
		process.stdout.write(`${jwt}\n`);
		return 0;
	},
};

function stringOr(value: string | boolean | undefined, fallback: string): string {
	return typeof value === "string" ? value : fallback;
}

/** `90s`, `30m`, `1h`, `7d` (or bare seconds) to seconds. */
export function parseTtl(text: string): number {
	const match = /^(\d+)([smhd]?)$/.exec(text.trim());
	const seconds = match ? Number(match[1]) * (UNITS[match[2] || "s"] ?? 1) : 0;
	if (!match || seconds < 1) {
		throw usageError(`"${text}" is not a duration: use a whole number with s, m, h or d, e.g. 30m or 1h.`, "token");
	}
	return seconds;
}

function parseClaims(text: string | boolean | undefined): Record<string, unknown> | undefined {
	if (typeof text !== "string") return undefined;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		value = undefined;
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		throw usageError(`--claims must be a JSON object, e.g. '{"role":"viewer"}'; got ${text}.`, "token");
	}
	return value as Record<string, unknown>;
}

/** The secret from the environment, else from the project's .dev.vars. */
function readSecret(name: string): string {
	const fromEnv = process.env[name];
	const secret = fromEnv || devVar(name);
	if (!secret) {
		throw new CliError(
			`No secret ${name}: it is neither in the environment nor in .dev.vars.`,
			`Add a line ${name}=<random text> to .dev.vars (e.g. from \`openssl rand -base64 48\`); wrangler dev gives it to the Worker too.`,
		);
	}
	if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES) {
		throw new CliError(
			`The secret ${name} is shorter than ${MIN_SECRET_BYTES} bytes; the Worker refuses to sign with it.`,
			"Use a longer random value, e.g. from `openssl rand -base64 48`.",
		);
	}
	return secret;
}

/** One variable of .dev.vars (dotenv syntax: NAME=value, optionally quoted). */
function devVar(name: string): string | undefined {
	let file: string;
	try {
		file = findProject().path(".dev.vars");
	} catch {
		return undefined;
	}
	if (!existsSync(file)) return undefined;
	for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
		const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
		if (match?.[1] !== name) continue;
		const value = match[2] ?? "";
		return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
	}
	return undefined;
}
