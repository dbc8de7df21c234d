/**
 * One shard of a service's room directory: a Durable Object with a SQLite table of room
 * entries. Rooms write to it (`report`, `remove`); the admin API reads it (`list`, `get`).
 * See shards.ts for how rooms are spread over shards.
 */
import { DurableObject } from "cloudflare:workers";
import { arrayMap, floor, jsonParse, jsonStringify, max, min } from "../intrinsics.ts";
import { MAX_PAGE, type RoomEntry, type RoomQuery, type ServiceTotals } from "./entry.ts";

/** The shard's methods as its callers see them over RPC. */
export interface DirectoryShard {
	report(entry: RoomEntry): Promise<void>;
	remove(roomId: string): Promise<void>;
	get(roomId: string): Promise<RoomEntry | null>;
	list(query: RoomQuery): Promise<RoomEntry[]>;
	totals(): Promise<ServiceTotals>;
}

/**
 * Its RPC surface is DirectoryShard's five methods; everything else is `#private` (Workers RPC
 * would expose TypeScript `private` members to any caller holding a stub).
 */
export class Directory extends DurableObject<unknown> implements DirectoryShard {
	readonly #sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: unknown) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		// Columns for what listings filter on; the entry itself as JSON.
		this.#sql.exec(
			`CREATE TABLE IF NOT EXISTS rooms (
				room_id TEXT PRIMARY KEY,
				clients INTEGER NOT NULL,
				failures INTEGER NOT NULL,
				reported_at INTEGER NOT NULL,
				entry TEXT NOT NULL
			)`,
		);
	}

	/** Stores a room's entry, unless a newer one is already stored. */
	async report(entry: RoomEntry): Promise<void> {
		this.#sql.exec(
			`INSERT INTO rooms (room_id, clients, failures, reported_at, entry) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (room_id) DO UPDATE SET
				clients = excluded.clients, failures = excluded.failures,
				reported_at = excluded.reported_at, entry = excluded.entry
			WHERE excluded.reported_at >= rooms.reported_at`,
			entry.roomId,
			entry.clients,
			entry.failures,
			entry.reportedAt,
			jsonStringify(entry),
		);
	}

	async remove(roomId: string): Promise<void> {
		this.#sql.exec("DELETE FROM rooms WHERE room_id = ?", roomId);
	}

	async get(roomId: string): Promise<RoomEntry | null> {
		const rows = this.#sql.exec<{ entry: string }>("SELECT entry FROM rooms WHERE room_id = ?", roomId);
		const row = rows.toArray()[0];
		return row ? (jsonParse(row.entry) as RoomEntry) : null;
	}

	/** Up to `limit` matching entries in room id order, after the cursor. */
	async list(query: RoomQuery): Promise<RoomEntry[]> {
		const conditions: string[] = [];
		const bindings: (string | number)[] = [];
		if (query.after !== undefined) {
			conditions.push("room_id > ?");
			bindings.push(query.after);
		}
		if (query.filter) {
			conditions.push("instr(room_id, ?) > 0");
			bindings.push(query.filter);
		}
		if (query.connected) conditions.push("clients > 0");
		if (query.failing) conditions.push("failures > 0");
		const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
		const limit = max(1, min(MAX_PAGE, floor(query.limit)));
		const rows = this.#sql.exec<{ entry: string }>(
			`SELECT entry FROM rooms ${where} ORDER BY room_id LIMIT ${limit}`,
			...bindings,
		);
		return arrayMap(rows.toArray(), (row) => jsonParse(row.entry) as RoomEntry);
	}

	async totals(): Promise<ServiceTotals> {
		const row = this.#sql
			.exec<{ rooms: number; clients: number | null; failing: number | null }>(
				"SELECT count(*) AS rooms, sum(clients) AS clients, sum(failures > 0) AS failing FROM rooms",
			)
			.one();
		return { rooms: row.rooms, clients: row.clients ?? 0, failingRooms: row.failing ?? 0 };
	}
}
