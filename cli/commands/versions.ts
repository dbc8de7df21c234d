/**
 * `stateroom versions`, `rollback` and `unpublish`: the versions of services published to a
 * deployment (`stateroom publish`), through its admin API.
 */
import type {
	PublishedList,
	PublishedService,
	ServiceUnpublished,
	VersionActivated,
	VersionDeleted,
} from "../../src/admin/responses.ts";
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, adminClient } from "../admin-client.ts";
import type { Command } from "../command.ts";
import { CliError, usageError } from "../errors.ts";
import { bytes, info } from "../output.ts";
import { table, when } from "../table.ts";
import { KEY_OPTION_HELP } from "./publish.ts";

const OPTIONS = { ...ADMIN_OPTIONS, key: { type: "string" } } as const;

export const versions: Command = {
	name: "versions",
	summary: "List published services, or one's versions (admin API)",
	help: `Usage: stateroom versions [service] [options]

Without a service: every published service and the version it runs. With one: its versions,
newest first, the one its rooms run marked "active".

Options:
${KEY_OPTION_HELP}
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom versions
  npx stateroom versions my-counter --json`,
	options: OPTIONS,
	positionals: 1,

	async run(parsed) {
		const client = adminClient(parsed.values, "versions");
		const service = parsed.positionals[0];
		const json = parsed.values.json === true;
		if (service === undefined) {
			const list = await client.request<PublishedList>("GET", "/published");
			if (json) return print(list);
			if (list.services.length === 0) {
				process.stdout.write("No published services.\n");
				return 0;
			}
			const rows = list.services.map((entry) => {
				const active = entry.versions.find((version) => version.version === entry.active);
				return [
					entry.service,
					entry.active.slice(0, 12),
					active?.language ?? "?",
					String(entry.versions.length),
					when(active ? Date.parse(active.publishedAt) : undefined),
				];
			});
			process.stdout.write(`${table(["SERVICE", "ACTIVE", "LANGUAGE", "VERSIONS", "PUBLISHED (UTC)"], rows)}\n`);
			return 0;
		}
		const described = await client.request<PublishedService>("GET", `/published/${encodeURIComponent(service)}`);
		if (json) return print(described);
		const rows = described.versions.map((version) => [
			version.version.slice(0, 12) + (version.version === described.active ? " (active)" : ""),
			version.language,
			bytes(version.bytes),
			when(Date.parse(version.publishedAt)),
			version.publishedBy,
		]);
		process.stdout.write(`${table(["VERSION", "LANGUAGE", "SIZE", "PUBLISHED (UTC)", "BY"], rows)}\n`);
		return 0;
	},
};

export const rollback: Command = {
	name: "rollback",
	summary: "Make an earlier version the one a published service's rooms run",
	help: `Usage: stateroom rollback <service> [--to <version>] [options]

Makes another version the one the service's rooms run: the version before the active one, or
the one --to names (its hash, or its first 8 characters or more). A room moves to it when it
next starts or a client next connects; a WebAssembly room whose state another build stored
follows the service's onModuleChange ("refuse" closes its clients with 1011, "reset" starts
it afresh).

Options:
  --to <version>     The version to run (default: the one before the active one)
${KEY_OPTION_HELP}
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom rollback my-counter
  npx stateroom rollback my-counter --to 3f2a9c01`,
	options: { ...OPTIONS, to: { type: "string" } },
	positionals: 1,

	async run(parsed) {
		const service = parsed.positionals[0];
		if (service === undefined) throw usageError("Give the published service to roll back.", "rollback");
		const client = adminClient(parsed.values, "rollback");
		let target = typeof parsed.values.to === "string" ? parsed.values.to : undefined;
		if (target === undefined) {
			const described = await client.request<PublishedService>("GET", `/published/${encodeURIComponent(service)}`);
			const index = described.versions.findIndex((version) => version.version === described.active);
			const previous = described.versions[index + 1];
			if (!previous) {
				throw new CliError(
					`"${service}" has no version older than the active one (${described.active.slice(0, 12)}).`,
					`Name the version to run with --to; \`npx stateroom versions ${service}\` lists them.`,
				);
			}
			target = previous.version;
		}
		const result = await client.request<VersionActivated>(
			"POST",
			`/published/${encodeURIComponent(service)}/versions/${encodeURIComponent(target)}/activate`,
		);
		if (parsed.values.json === true) return print(result);
		info(
			`"${service}" now runs version ${result.active.version.slice(0, 12)} (published ${result.active.publishedAt}).`,
		);
		return 0;
	},
};

export const unpublish: Command = {
	name: "unpublish",
	summary: "Delete a published service, or one of its versions",
	help: `Usage: stateroom unpublish <service> [--version <version>] [options]

With --version: deletes that version (not the active one: roll back first). Without: deletes the
service and all its versions; its rooms refuse clients from their next start (1011), and their
stored state stays until an operator resets or deletes them (\`stateroom room\`).

Options:
  --version <version>  The version to delete (its hash, or its first 8 characters or more)
${KEY_OPTION_HELP}
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom unpublish my-counter --version 3f2a9c01
  npx stateroom unpublish my-counter`,
	options: { ...OPTIONS, version: { type: "string" } },
	positionals: 1,

	async run(parsed) {
		const service = parsed.positionals[0];
		if (service === undefined) throw usageError("Give the published service to delete.", "unpublish");
		const client = adminClient(parsed.values, "unpublish");
		const version = parsed.values.version;
		const path = `/published/${encodeURIComponent(service)}`;
		if (typeof version === "string") {
			const result = await client.request<VersionDeleted>("DELETE", `${path}/versions/${encodeURIComponent(version)}`);
			if (parsed.values.json === true) return print(result);
			info(`Deleted version ${result.deleted.version.slice(0, 12)} of "${service}".`);
			return 0;
		}
		const result = await client.request<ServiceUnpublished>("DELETE", path);
		if (parsed.values.json === true) return print(result);
		info(`Deleted the published service "${service}" and all its versions.`);
		return 0;
	},
};

function print(value: unknown): number {
	process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
	return 0;
}
