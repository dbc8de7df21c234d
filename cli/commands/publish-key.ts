/**
 * `stateroom publish-key --service S | --prefix P`: mints a publish key, signed with the
 * deployment's admin secret, that publishes (and lists, rolls back, deletes) only the services it
 * names and reads only their rooms. For the operator, who hands it to a tenant; printed alone on
 * stdout, so that `KEY=$(npx stateroom publish-key ...)` works.
 */
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { isServiceName, SERVICE_NAME_RULE } from "../../src/naming.ts";
import { mintPublishKey, type PublishScope } from "../../src/publish/keys.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { findProject } from "../project.ts";
import { parseTtl } from "./token.ts";

const SECRET = "STATEROOM_ADMIN_SECRET";

export const publishKey: Command = {
	name: "publish-key",
	summary: "Mint a publish key scoped to a service name or prefix",
	help: `Usage: stateroom publish-key (--service <name> | --prefix <prefix>) [options]

Prints a publish key: a signed token (HS256, with the deployment's ${SECRET}) that lets its
holder publish, list, roll back and delete the versions of the services it covers, and read
their rooms (\`stateroom rooms <service>\`), and nothing else. The holder passes it with
\`stateroom publish --key <key>\` (or ${"STATEROOM_PUBLISH_KEY"}). A key holder cannot raise a
limit above its default. Changing the admin secret revokes every key.

The secret comes from ${SECRET} in the environment, or else the project's .dev.vars.

Options:
  --service <name>   The one service the key covers
  --prefix <prefix>  Every service whose name starts with it ("team-a-")
  --holder <name>    Who holds it, in the deployment's log and each version's "by" (default: your user name)
  --ttl <time>       How long it is valid: 30m, 12h, 30d (default 30d)
  -h, --help         Show this help

Examples:
  npx stateroom publish-key --service my-counter --holder ann
  npx stateroom publish-key --prefix team-a- --ttl 7d`,
	options: {
		service: { type: "string" },
		prefix: { type: "string" },
		holder: { type: "string" },
		ttl: { type: "string" },
	},
	positionals: 0,

	async run(parsed) {
		const { service, prefix, holder, ttl } = parsed.values;
		let scope: PublishScope;
		if (typeof service === "string" && prefix === undefined) {
			if (!isServiceName(service))
				throw usageError(`"${service}" is not a service name: use ${SERVICE_NAME_RULE}.`, "publish-key");
			scope = { service };
		} else if (typeof prefix === "string" && prefix.length > 0 && service === undefined) {
			if (!/^[a-z0-9][a-z0-9-]*$/.test(prefix)) {
				throw usageError(`"${prefix}" cannot start a service name (${SERVICE_NAME_RULE}).`, "publish-key");
			}
			scope = { prefix };
		} else {
			throw usageError("Give exactly one of --service <name> and --prefix <prefix>.", "publish-key");
		}
		const key = await mintPublishKey(adminSecret(), {
			scope,
			subject: typeof holder === "string" && holder ? holder : userName(),
			ttlSeconds: parseTtl(typeof ttl === "string" ? ttl : "30d"),
		});
		process.stdout.write(`${key}\n`);
		return 0;
	},
};

function adminSecret(): string {
	const fromEnv = process.env[SECRET];
	if (fromEnv) return fromEnv;
	let file: string | undefined;
	try {
		file = join(findProject().root, ".dev.vars");
	} catch {
		file = undefined;
	}
	const line =
		file && existsSync(file)
			? readFileSync(file, "utf8")
					.split(/\r?\n/)
					.find((candidate) => candidate.trim().startsWith(`${SECRET}=`))
			: undefined;
	const value = line
		?.slice(line.indexOf("=") + 1)
		.trim()
		.replace(/^(["'])(.*)\1$/, "$2");
	if (!value) {
		throw new CliError(
			`No admin secret: ${SECRET} is not set, and no .dev.vars in the project sets it.`,
			`Set it to the deployment's admin secret for this command (\`${SECRET}=... npx stateroom publish-key ...\`).`,
		);
	}
	return value;
}

function userName(): string {
	try {
		return userInfo().username;
	} catch {
		return "cli";
	}
}
