/**
 * The room directory: entries appear when a room first runs, follow its client count, failures
 * and timer, stay right across hibernation and eviction, and go when the room is deleted.
 * Listings merge every shard of a service, page with a cursor and filter.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { Directory } from "../../src/directory/directory.ts";
import type { RoomEntry } from "../../src/directory/entry.ts";
import { DirectoryReporter } from "../../src/directory/reporter.ts";
import { DIRECTORY_SHARDS, shardOf } from "../../src/directory/shards.ts";
import { admin, adminJson, directoryEntry, entryWhen } from "./admin-client.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("directory shard class", () => {
	// Workers RPC hands a stub's caller every method and accessor on the prototype, TypeScript
	// `private` ones included: the shard's internals must be `#private`, its prototype the contract.
	it("offers over RPC only the shard's five methods", () => {
		expect(Object.getOwnPropertyNames(Directory.prototype).sort()).toEqual([
			"constructor",
			"get",
			"list",
			"remove",
			"report",
			"totals",
		]);
	});
});

describe("directory entries", () => {
	it("appear on the first connect and follow the client count down to zero", async () => {
		const room = uniqueRoom();
		expect(await directoryEntry("echo", room)).toBeUndefined();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		const first = await entryWhen("echo", room, (entry) => entry?.clients === 1);
		expect(first).toMatchObject({ service: "echo", roomId: room, failures: 0, lastFailure: null, timerAt: null });
		expect(first?.createdAt).toBeGreaterThan(0);
		expect(first?.storedBytes).toBeGreaterThan(0);
		const b = await connect(`/s/echo/ws/${room}`);
		await b.next();
		await entryWhen("echo", room, (entry) => entry?.clients === 2);
		a.close();
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
		b.close();
		const idle = await entryWhen("echo", room, (entry) => entry?.clients === 0);
		// The room still exists (it has state); only deleting it removes the entry.
		expect(idle?.createdAt).toBe(first?.createdAt);
	});

	it("are never made for a room whose service cannot start, and it stores nothing", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-broken/ws/${room}`);
		expect((await a.closed).code).toBe(1011);
		const stored = await runInDurableObject(roomStub("test-broken", room), (_instance, state) => state.storage.list());
		expect([...stored.keys()]).toEqual([]);
		expect(await directoryEntry("test-broken", room)).toBeUndefined();
	});

	it("are not written per message", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		await a.next();
		const before = await entryWhen("counter", room, (entry) => entry?.clients === 1);
		for (let i = 0; i < 5; i++) {
			a.send("increment");
			await a.next();
		}
		expect((await directoryEntry("counter", room))?.reportedAt).toBe(before?.reportedAt);
	});

	it("keep the client count through hibernation and an eviction that keeps the sockets", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		const b = await connect(`/s/echo/ws/${room}`);
		await b.next();
		await entryWhen("echo", room, (entry) => entry?.clients === 2);
		await evictDurableObject(roomStub("echo", room));
		a.send("awake");
		expect(await b.next()).toBe("User ClientId(1) sent 'awake'");
		// The woken room reports again (its first event after waking), still with two clients.
		const woken = await entryWhen("echo", room, (entry) => (entry?.clients ?? 0) === 2);
		expect(woken?.clients).toBe(2);
		b.close();
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
	});

	it("correct the count when clients vanished while the room was evicted", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		const b = await connect(`/s/echo/ws/${room}`);
		await b.next();
		await entryWhen("echo", room, (entry) => entry?.clients === 2);
		await evictDurableObject(roomStub("echo", room), { webSockets: "close" });
		await a.closed;
		const c = await connect(`/s/echo/ws/${room}`);
		await c.next();
		// Clients 1 and 2 are disconnected on waking; only client 3 is left.
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
	});

	it("count failed events with the last failure, across eviction", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-fragile/ws/${room}`);
		// A failed event's messages are discarded: "boom" answers nothing.
		a.send("boom");
		const failed = await entryWhen("test-fragile", room, (entry) => entry?.failures === 1);
		expect(failed?.lastFailure).toMatchObject({ event: "message", message: "boom requested" });
		await evictDurableObject(roomStub("test-fragile", room));
		a.send("boom");
		await entryWhen("test-fragile", room, (entry) => entry?.failures === 2);
		a.send("fine");
		expect(await a.next()).toBe("count 1");
		const failing = await adminJson<{ rooms: RoomEntry[] }>(`/services/test-fragile/rooms?failing=1&filter=${room}`);
		expect(failing.rooms.map((entry) => entry.roomId)).toEqual([room]);
	});

	it("show the pending timer", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/clock/ws/${room}`);
		const entry = await entryWhen("clock", room, (found) => found?.clients === 1);
		expect(entry?.timerAt).toBeGreaterThan(Date.now() - 1000);
		a.close();
	});
});

describe("directory listings", () => {
	it("merge the shards in room id order and page with a cursor", async () => {
		const prefix = `page-${crypto.randomUUID()}-`;
		const ids = ["a", "b", "c", "d", "e", "f", "g"].map((suffix) => prefix + suffix);
		// Spread over more than one shard, or the merge would prove nothing.
		expect(new Set(ids.map(shardOf)).size).toBeGreaterThan(1);
		const sockets = await Promise.all(ids.map((id) => connect(`/s/echo/ws/${id}`)));
		for (const id of ids) await entryWhen("echo", id, (entry) => entry?.clients === 1);

		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const after: string = cursor === null ? "" : `&after=${encodeURIComponent(cursor)}`;
			const page: { rooms: RoomEntry[]; cursor: string | null } = await adminJson(
				`/services/echo/rooms?filter=${prefix}&limit=3${after}`,
			);
			expect(page.rooms.length).toBeLessThanOrEqual(3);
			seen.push(...page.rooms.map((room) => room.roomId));
			cursor = page.cursor;
			pages += 1;
		} while (cursor !== null && pages < 10);
		expect(seen).toEqual(ids);

		sockets[0]?.close();
		await entryWhen("echo", ids[0] as string, (entry) => entry?.clients === 0);
		const connected = await adminJson<{ rooms: RoomEntry[] }>(`/services/echo/rooms?filter=${prefix}&connected=1`);
		expect(connected.rooms.map((room) => room.roomId)).toEqual(ids.slice(1));
		for (const socket of sockets) socket.close();
	});

	it("keep each service's rooms apart, and total them per service", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
		expect(await directoryEntry("chat", room)).toBeUndefined();
		const service = await adminJson<{ totals: { rooms: number; clients: number } }>("/services/echo");
		expect(service.totals.rooms).toBeGreaterThanOrEqual(1);
		expect(service.totals.clients).toBeGreaterThanOrEqual(1);
		a.close();
	});

	it("refuse bad paging parameters", async () => {
		const response = await admin("/services/echo/rooms?limit=0");
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: string }).error).toMatch(
			/"limit" must be a whole number from 1 to 500/,
		);
		expect(DIRECTORY_SHARDS).toBeGreaterThan(1);
	});
});

describe("a directory that is down", () => {
	it("costs the room a log line, once, and never an exception", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		await runInDurableObject(roomStub("echo", room), async (_instance, state) => {
			const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
			let snapshots = 0;
			// The ROOMS namespace stands in for a broken directory: its objects have no `report` method.
			const reporter = new DirectoryReporter(
				state,
				env.ROOMS as unknown as DurableObjectNamespace,
				{ service: "echo", roomId: room },
				async () => {
					snapshots += 1;
					return {} as RoomEntry;
				},
			);
			reporter.send();
			reporter.send(); // coalesced into the report in flight
			reporter.send();
			await reporter.stop();
			reporter.send(); // after stop: nothing
			expect(snapshots).toBeGreaterThanOrEqual(1);
			expect(snapshots).toBeLessThanOrEqual(2);
			expect(warn).toHaveBeenCalledTimes(1);
			expect(String(warn.mock.calls[0]?.[0])).toMatch(
				/could not report to the room directory \(the room keeps serving/,
			);
			warn.mockRestore();
		});
		// The room itself is unaffected.
		a.send("still here");
		expect(await a.next()).toBe("User ClientId(1) sent 'still here'");
	});
});
