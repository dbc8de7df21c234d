/** Calls the admin API through the Worker's own fetch handler, with the test suite's secret. */
import { exports } from "cloudflare:workers";
import type { RoomEntry } from "../../src/directory/entry.ts";
import { BASE } from "./socket.ts";

/** The secret vitest.config.ts binds as STATEROOM_ADMIN_SECRET. */
export const ADMIN_SECRET = "test-admin-secret";

export function admin(path: string, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (!headers.has("authorization")) headers.set("authorization", `Bearer ${ADMIN_SECRET}`);
	return exports.default.fetch(`${BASE}/admin/api${path}`, { ...init, headers });
}

export async function adminJson<T>(path: string, init?: RequestInit): Promise<T> {
	const response = await admin(path, init);
	const body = await response.text();
	if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${response.status} ${body}`);
	return JSON.parse(body) as T;
}

/** The room's directory entry, or `undefined` while it has none. */
export async function directoryEntry(service: string, roomId: string): Promise<RoomEntry | undefined> {
	const page = await adminJson<{ rooms: RoomEntry[] }>(
		`/services/${service}/rooms?filter=${encodeURIComponent(roomId)}&limit=500`,
	);
	return page.rooms.find((room) => room.roomId === roomId);
}

/**
 * Waits until the room's directory entry satisfies `check` (rooms report in the background, so
 * an entry follows its room shortly after). Fails with the last entry seen after `ms`.
 */
export async function entryWhen(
	service: string,
	roomId: string,
	check: (entry: RoomEntry | undefined) => boolean,
	ms = 5000,
): Promise<RoomEntry | undefined> {
	const deadline = Date.now() + ms;
	let entry: RoomEntry | undefined;
	while (Date.now() < deadline) {
		entry = await directoryEntry(service, roomId);
		if (check(entry)) return entry;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`The directory entry of ${service}/${roomId} never matched; last seen: ${JSON.stringify(entry)}`);
}
