/**
 * How `stateroom rooms` and `stateroom room` reach a deployment's admin API: its URL (`--url`,
 * or else the project's running `stateroom dev`, on whatever port it serves), the admin secret (STATEROOM_ADMIN_SECRET from the environment,
 * else from the project's .dev.vars, as wrangler dev reads it), and errors that say what to do.
 */
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { devUrl } from "./dev-state.ts";
import { CliError, usageError } from "./errors.ts";
import { note } from "./output.ts";
import { findProject } from "./project.ts";

const SECRET = "STATEROOM_ADMIN_SECRET";
/** A publish key in the environment, used instead of the admin secret (`--key` wins over it). */
export const KEY_ENV = "STATEROOM_PUBLISH_KEY";

/** A request's body and extra headers (a publish's upload and settings). */
export interface AdminRequestInit {
	readonly body?: Uint8Array<ArrayBuffer>;
	readonly headers?: Readonly<Record<string, string>>;
}

export interface AdminClient {
	readonly url: string;
	request<T>(method: string, path: string, init?: AdminRequestInit): Promise<T>;
}

/** The options both admin commands take, for their parse() call. */
export const ADMIN_OPTIONS = {
	url: { type: "string" },
	json: { type: "boolean" },
	operator: { type: "string" },
} as const;

export const ADMIN_OPTIONS_HELP = `  --url <url>        The deployment (default: the project's running \`stateroom dev\`, on
                     the port it serves, as it records in .stateroom/dev.json)
  --operator <name>  Your name in the deployment's log of changes (default: your user name)
  --json             Print JSON instead of tables
  -h, --help         Show this help

The admin secret comes from ${SECRET} in the environment, or else from the project's
.dev.vars (the file wrangler dev reads it from).`;

export function adminClient(values: Record<string, string | boolean | undefined>, command: string): AdminClient {
	const { url, local } = baseUrl(values.url, command);
	const key = typeof values.key === "string" ? values.key : process.env[KEY_ENV];
	const secret = key || process.env[SECRET] || secretFromDevVars();
	if (!secret) {
		throw new CliError(
			`No admin secret: ${SECRET} is not set, and no .dev.vars in the project sets it.`,
			`Set it for this command (\`${SECRET}=... stateroom ${command} ...\`); for \`npm run dev\`, put \`${SECRET}=<a long random string>\` in .dev.vars and restart it.`,
		);
	}
	const operator = typeof values.operator === "string" ? values.operator : userName();
	return {
		url,
		async request<T>(method: string, path: string, init: AdminRequestInit = {}): Promise<T> {
			const target = `${url}/admin/api${path}`;
			let response: Response;
			try {
				response = await fetch(target, {
					method,
					headers: { authorization: `Bearer ${secret}`, "x-stateroom-operator": operator, ...init.headers },
					...(init.body ? { body: init.body } : {}),
				});
			} catch (error) {
				throw new CliError(
					`Could not reach ${url}: ${error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)}.`,
					local
						? "Start the local server with `npm run dev` in another terminal, or give a deployment with --url."
						: "Check the URL (e.g. https://stateroom.<your-subdomain>.workers.dev) and your network.",
				);
			}
			const text = await response.text();
			if (response.ok) return JSON.parse(text) as T;
			throw apiError(response.status, errorOf(text), url, key !== undefined && key !== "");
		},
	};
}

/** `--url`, or the running dev's (saying which it found: stderr, so that --json stays JSON). */
function baseUrl(given: string | boolean | undefined, command: string): { url: string; local: boolean } {
	if (typeof given !== "string") {
		const dev = devUrl();
		note(dev.said);
		return { url: dev.url, local: true };
	}
	let url: URL;
	try {
		url = new URL(given);
	} catch {
		throw usageError(`"${given}" is not a URL: give one like https://stateroom.example.workers.dev.`, command);
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw usageError(`"${given}" is not an http(s) URL.`, command);
	}
	// A path is kept: Stateroom mounted under a prefix (`createStateroom`'s `prefix`) has its admin
	// API below it.
	return { url: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, local: false };
}

function secretFromDevVars(): string | undefined {
	let file: string;
	try {
		file = join(findProject().root, ".dev.vars");
	} catch {
		return undefined;
	}
	if (!existsSync(file)) return undefined;
	const line = readFileSync(file, "utf8")
		.split(/\r?\n/)
		.find((candidate) => candidate.trim().startsWith(`${SECRET}=`));
	const value = line?.slice(line.indexOf("=") + 1).trim();
	return value?.replace(/^(["'])(.*)\1$/, "$2") || undefined;
}

function userName(): string {
	try {
		return userInfo().username;
	} catch {
		return "cli";
	}
}

function errorOf(text: string): string {
	try {
		return (JSON.parse(text) as { error?: string }).error ?? text.trim();
	} catch {
		return text.trim();
	}
}

function apiError(status: number, message: string, url: string, withKey: boolean): CliError {
	if (status === 401 && withKey) {
		return new CliError(
			`${url} refused the publish key (401): ${message}`,
			"Ask the deployment's operator for a publish key (`npx stateroom publish-key`), and pass it with --key or STATEROOM_PUBLISH_KEY.",
		);
	}
	if (status === 403) {
		return new CliError(
			`${url} refused (403): ${message}`,
			"Use a publish key that covers this service, or the admin secret.",
		);
	}
	if (status === 401) {
		return new CliError(
			`${url} refused the admin secret (401): ${message}`,
			`Use the same ${SECRET} as the deployment: in .dev.vars for \`npm run dev\` (restart it after a change), or the one set with \`npx wrangler secret put ${SECRET}\`.`,
		);
	}
	if (status === 413 || status === 400 || status === 409) {
		return new CliError(
			`${url} refused (${status}): ${message}`,
			"Fix what the deployment says, then run the command again.",
		);
	}
	if (status === 404) {
		return new CliError(
			`${message}`,
			"Check the service and room names: `npx stateroom rooms <service>` lists the rooms.",
		);
	}
	return new CliError(`The admin API answered ${status}: ${message}`, "See the deployment's log for details.");
}
