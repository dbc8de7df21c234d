/** `stateroom room <service> <room>`: one room's details, its stored state, or reset/delete it. */
import type { RoomDetails, RoomReset, RoomView } from "../../src/admin/responses.ts";
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, adminClient } from "../admin-client.ts";
import type { Command } from "../command.ts";
import { usageError } from "../errors.ts";
import { bytes, info } from "../output.ts";
import { coolingDown, table, when } from "../table.ts";

export const room: Command = {
	name: "room",
	summary: "Show a room, its stored state, or reset or delete it (admin API)",
	help: `Usage: stateroom room <service> <room> [--state | --reset | --delete] [options]

Without an action: the room's details (clients, failures and the last one, stored size, timer,
times, and "cooling down until <time> UTC" while it refuses clients after its events kept
running out of fuel or time). --state prints its stored state (TypeScript: the stored JSON; WebAssembly: memory
size, stored pages and globals). --reset closes its clients with code 4010 and deletes its
state; the room keeps its id and starts afresh. --delete closes its clients with code 4011 and
deletes the room and its directory entry. Both changes are logged by the deployment with your
operator name.

Options:
  --state            Print the room's stored state (JSON)
  --reset            Reset the room
  --delete           Delete the room
${ADMIN_OPTIONS_HELP}

Examples:
  npx stateroom room chat lobby
  npx stateroom room counter 1 --state
  npx stateroom room chat lobby --reset --operator ann`,

	options: {
		...ADMIN_OPTIONS,
		state: { type: "boolean" },
		reset: { type: "boolean" },
		delete: { type: "boolean" },
	},
	positionals: 2,

	async run(parsed) {
		const [service, roomId] = parsed.positionals;
		if (service === undefined || roomId === undefined) {
			throw usageError("Give the service and the room: `npx stateroom room <service> <room>`.", "room");
		}
		const { values } = parsed;
		const actions = (["state", "reset", "delete"] as const).filter((name) => values[name] === true);
		if (actions.length > 1)
			throw usageError(`Give one of --state, --reset and --delete, not ${actions.join(" and ")}.`, "room");
		const client = adminClient(values, "room");
		const path = `/services/${encodeURIComponent(service)}/rooms/${encodeURIComponent(roomId)}`;
		const json = values.json === true;

		switch (actions[0]) {
			case "state": {
				const state = await client.request<unknown>("GET", `${path}/state`);
				process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
				return 0;
			}
			case "reset": {
				const result = await client.request<RoomReset>("POST", `${path}/reset`);
				if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
				else
					info(
						`reset service "${service}", room "${roomId}": its clients were closed with code 4010, its state deleted`,
					);
				return 0;
			}
			case "delete": {
				const result = await client.request<unknown>("DELETE", path);
				if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
				else info(`deleted service "${service}", room "${roomId}": its clients were closed with code 4011`);
				return 0;
			}
			default: {
				const result = await client.request<RoomView>("GET", path);
				if (json) {
					process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
					return 0;
				}
				process.stdout.write(`${describe(result.room)}\n`);
				return 0;
			}
		}
	},
};

function describe(room: RoomDetails): string {
	const failure = room.lastFailure;
	const rows: [string, string][] = [
		["service", room.service],
		["room", room.roomId],
		["language", room.language ?? "(service no longer registered)"],
		["module build", room.module ?? "-"],
		["clients", String(room.clients)],
		["next client id", String(room.nextClient)],
		["stored", bytes(room.storedBytes)],
		["timer (UTC)", when(room.timerAt)],
		["created (UTC)", when(room.createdAt)],
		["last active (UTC)", when(room.lastActiveAt)],
		["failed events", String(room.failures)],
		["last failure", failure ? `${when(failure.at)}, ${failure.event} event: ${failure.message}` : "-"],
		// Its events kept running out of fuel or time: it refuses clients until then.
		["cooling down until (UTC)", coolingDown(room.coolingDownUntil) === undefined ? "-" : when(room.coolingDownUntil)],
	];
	return table(["FIELD", "VALUE"], rows);
}
