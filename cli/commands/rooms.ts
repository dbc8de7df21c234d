/** `stateroom rooms [service]`: the services of a deployment, or one service's rooms, from the admin API. */
import type { RoomEntry, RoomPage, ServiceDescription, ServiceList } from "../../src/admin/responses.ts";
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, adminClient } from "../admin-client.ts";
import type { Command } from "../command.ts";
import { usageError } from "../errors.ts";
import { bytes } from "../output.ts";
import { coolingDown, table, when } from "../table.ts";

export const rooms: Command = {
	name: "rooms",
	summary: "List a deployment's services, or a service's rooms (admin API)",
	help: `Usage: stateroom rooms [service] [options]

Without a service: every service with its language, rooms, clients and failing rooms. With one:
its rooms from the room directory, with clients, failures (and "cooling down until <time> UTC"
for a room that refuses clients after its events kept running out of fuel or time), stored size
and times, a page at a time (the next page's command is printed under the table).

Options:
  --filter <text>    Only rooms whose id contains the text
  --connected        Only rooms with clients connected now
  --failing          Only rooms with failed events
  --limit <n>        Rooms per page, 1-500 (default 50)
  --after <room>     The page after this room id (the cursor printed under a page)
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom rooms
  npx stateroom rooms chat --connected
  npx stateroom rooms counter --url https://stateroom.example.workers.dev --json`,

	options: {
		...ADMIN_OPTIONS,
		filter: { type: "string" },
		connected: { type: "boolean" },
		failing: { type: "boolean" },
		limit: { type: "string" },
		after: { type: "string" },
	},
	positionals: 1,

	async run(parsed) {
		const { values } = parsed;
		const limit = values.limit;
		if (limit !== undefined && !/^\d+$/.test(String(limit))) {
			throw usageError(`"--limit ${String(limit)}" is not a number: give 1 to 500.`, "rooms");
		}
		const client = adminClient(values, "rooms");
		const json = values.json === true;
		const service = parsed.positionals[0];

		if (service === undefined) {
			const { services } = await client.request<ServiceList>("GET", "/services");
			const detailed = await Promise.all(
				services.map((entry) =>
					client.request<ServiceDescription>("GET", `/services/${encodeURIComponent(entry.name)}`),
				),
			);
			if (json) {
				process.stdout.write(`${JSON.stringify({ services: detailed }, null, 2)}\n`);
				return 0;
			}
			const rows = detailed.map((entry) => [
				entry.default ? `${entry.name} (default)` : entry.name,
				entry.language,
				String(entry.totals?.rooms ?? "-"),
				String(entry.totals?.clients ?? "-"),
				String(entry.totals?.failingRooms ?? "-"),
			]);
			process.stdout.write(`${table(["SERVICE", "LANGUAGE", "ROOMS", "CLIENTS", "FAILING"], rows)}\n`);
			return 0;
		}

		const query = new URLSearchParams();
		for (const name of ["filter", "limit", "after"] as const) {
			const value = values[name];
			if (typeof value === "string") query.set(name, value);
		}
		if (values.connected === true) query.set("connected", "1");
		if (values.failing === true) query.set("failing", "1");
		const page = await client.request<RoomPage>("GET", `/services/${encodeURIComponent(service)}/rooms?${query}`);
		if (json) {
			process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
			return 0;
		}
		if (page.rooms.length === 0) {
			process.stdout.write(`No rooms in service "${service}"${query.size > 0 ? " match" : ""}.\n`);
			return 0;
		}
		const rows = page.rooms.map((room) => [
			room.roomId,
			String(room.clients),
			failures(room),
			bytes(room.storedBytes),
			when(room.timerAt),
			when(room.lastActiveAt),
			when(room.createdAt),
		]);
		process.stdout.write(
			`${table(["ROOM", "CLIENTS", "FAILURES", "STORED", "TIMER", "LAST ACTIVE (UTC)", "CREATED (UTC)"], rows)}\n`,
		);
		if (page.cursor !== null) {
			process.stdout.write(`More: stateroom rooms ${service} --after ${JSON.stringify(page.cursor)}\n`);
		}
		return 0;
	},
};

/** A room's failures, and its cool-down if it is in one. */
function failures(room: RoomEntry): string {
	const count = room.failures > 0 ? `${room.failures} (last: ${room.lastFailure?.event ?? "?"})` : "0";
	const cooling = coolingDown(room.coolingDownUntil);
	return cooling === undefined ? count : `${count}, ${cooling}`;
}
