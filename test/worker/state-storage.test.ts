/**
 * How a TypeScript room's state is laid out in storage (format 2): each field under its own
 * keys, large collections entry by entry in buckets, and only what an event changed written.
 * Rooms stored in format 1 (one snapshot in chunks) are read and rewritten.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { typescriptEngine } from "../../src/typescript/class-engine.ts";
import { testServices } from "./services.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

const Ledger = testServices["test-ledger"];

afterEach(() => {
	vi.restoreAllMocks();
});

type Stored = Record<string, unknown>;

function storage(service: string, room: string) {
	const stub = roomStub(service, room);
	return {
		stub,
		read: () =>
			runInDurableObject(stub, async (_room, state) => Object.fromEntries(await state.storage.list()) as Stored),
		put: (entries: Stored) => runInDurableObject(stub, (_room, state) => state.storage.put(entries)),
	};
}

async function ask(socket: Awaited<ReturnType<typeof connect>>, command: string): Promise<Record<string, unknown>> {
	socket.send(command);
	return JSON.parse(String(await socket.next())) as Record<string, unknown>;
}

describe("format 2: fields under their own keys", () => {
	it("keeps each field apart, and writes nothing when an event leaves the state as it was", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		const { read, put } = storage("counter", room);
		const stored = await read();
		expect(stored["state/ts/format"]).toBe(2);
		expect(stored["state/ts/f/value"]).toEqual({ kind: "value", chunks: 1 });
		expect(stored["state/ts/f/value/0"]).toBe("1");
		// Overwrite the stored field behind the service's back: an unchanged event must not rewrite it.
		await put({ "state/ts/f/value/0": "1 " });
		a.send("no-op");
		expect(await a.next()).toBe("new value: 1");
		expect((await read())["state/ts/f/value/0"]).toBe("1 ");
	});

	it("rewrites only the buckets of the entries an event changed", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-ledger/ws/${room}`);
		expect(await ask(a, "fill 1000")).toMatchObject({ items: 1000, players: 1000, tags: 1000 });
		const { read, put } = storage("test-ledger", room);
		const before = await read();
		expect(before["state/ts/f/items"]).toEqual({ kind: "list", length: 1000 });
		expect(before["state/ts/f/players"]).toEqual({ kind: "map", next: 1000 });
		expect(before["state/ts/f/tags"]).toEqual({ kind: "object", next: 1000 });
		// Entries 0-63 are bucket 0, 640-703 bucket 10. Mark bucket 0 of each field: only a
		// rewrite of that bucket would remove the mark.
		const marked = { "state/ts/f/items/0": "mark", "state/ts/f/players/0": "mark", "state/ts/f/tags/0": "mark" };
		await put(marked);
		await ask(a, "set 700 changed");
		await ask(a, "score p700");
		await ask(a, "tag k700 w");
		const after = await read();
		expect(after).toMatchObject(marked);
		expect(after["state/ts/f/items/10"]).not.toEqual(before["state/ts/f/items/10"]);
		expect(after["state/ts/f/players/10"]).toContain('[700,["p700",{"score":1}]]');
		expect(after["state/ts/f/tags/10"]).toContain('[700,["k700","w"]]');
		for (const bucket of [1, 2, 9, 11, 15]) {
			expect(after[`state/ts/f/items/${bucket}`]).toEqual(before[`state/ts/f/items/${bucket}`]);
		}
	});

	it("brings large collections back entry for entry, in order, after eviction", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-ledger/ws/${room}`);
		await ask(a, "fill 300");
		await ask(a, "set 0 zero");
		await ask(a, "push last");
		await ask(a, "score p5");
		// A Map key deleted and set again moves to the end of the Map's order.
		await ask(a, "drop p1");
		await ask(a, "score p1");
		await ask(a, "tag k5 five");
		const live = await ask(a, "report");
		expect(live).toMatchObject({
			items: 301,
			first: "zero",
			last: "last",
			lastPlayer: ["p1", { score: 1 }],
			k5: "five",
		});
		await evictDurableObject(roomStub("test-ledger", room));
		expect(await ask(a, "report")).toEqual(live);
		// Shrinking and replacing a watched field: its old buckets go.
		await ask(a, "fill 2");
		const stored = await storage("test-ledger", room).read();
		expect(stored["state/ts/f/items"]).toEqual({ kind: "value", chunks: 1 });
		expect(Object.keys(stored).filter((key) => key.startsWith("state/ts/f/items/"))).toEqual(["state/ts/f/items/0"]);
	});

	it("rolls a watched collection back after a failed event", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-ledger/ws/${room}`);
		await ask(a, "fill 300");
		a.send("fail 0 broken");
		expect(await ask(a, "report")).toMatchObject({ first: "item-0" });
		await evictDurableObject(roomStub("test-ledger", room));
		expect(await ask(a, "report")).toMatchObject({ first: "item-0", items: 300 });
	});

	it("names the entry of a watched collection that cannot be stored", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-ledger/ws/${room}`);
		await ask(a, "fill 300");
		a.send("store ann");
		expect(await ask(a, "report")).toMatchObject({ players: 300 });
		const logged = errors.mock.calls.map((call) => String(call[0])).join("\n");
		expect(logged).toContain('this.players.get("ann") is a Handle');
		expect(logged).toContain('static transient = ["players"]');
	});
});

describe("what an operator sees (inspect)", () => {
	it("shows each field's stored JSON, a watched collection as the whole of its entries", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-ledger/ws/${room}`);
		await ask(a, "fill 300");
		await ask(a, "score p7");
		const stored = await runInDurableObject(roomStub("test-ledger", room), async (_room, state) => {
			const keys = await state.storage.list({ prefix: "state/" });
			return new Map([...keys].map(([key, value]) => [key.slice("state/".length), value]));
		});
		const view = typescriptEngine("test-ledger", Ledger).inspect(stored) as { storedChars: number; state: Stored };
		const items = view.state.items as string[];
		expect(items).toHaveLength(300);
		expect(items[299]).toBe("item-299");
		expect(view.state.players).toMatchObject({ $sr: "map" });
		expect((view.state.players as { v: unknown[] }).v[7]).toEqual(["p7", { score: 1 }]);
		expect(view.storedChars).toBeGreaterThan(300 * "item-299".length);
	});
});

describe("format 1 (one snapshot in chunks)", () => {
	it("is read, then rewritten in format 2 by the first event", async () => {
		const room = uniqueRoom();
		const { read, put } = storage("counter", room);
		// What an earlier version stored: the room's record and the whole state as one snapshot.
		await put({
			room: { service: "counter", roomId: room, nextClient: 1, clients: [], initialized: true },
			"state/ts/chunks": 1,
			"state/ts/chunk/0": '{"value":41}',
		});
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 42");
		const stored = await read();
		expect(Object.keys(stored).filter((key) => key.startsWith("state/"))).toEqual(
			expect.arrayContaining(["state/ts/format", "state/ts/f/value", "state/ts/f/value/0"]),
		);
		expect(stored["state/ts/chunks"]).toBeUndefined();
		expect(stored["state/ts/chunk/0"]).toBeUndefined();
		await evictDurableObject(roomStub("counter", room));
		a.send("increment");
		expect(await a.next()).toBe("new value: 43");
	});

	it("is read for a service with its own save() and restore()", async () => {
		const room = uniqueRoom();
		const { read, put } = storage("test-custom", room);
		await put({
			room: { service: "test-custom", roomId: room, nextClient: 1, clients: [], initialized: true },
			"state/ts/chunks": 1,
			"state/ts/chunk/0": '{"total":10}',
		});
		const a = await connect(`/s/test-custom/ws/${room}`);
		a.send("5");
		expect(await a.next()).toBe("total 15");
		expect((await read())["state/ts/save/0"]).toBe('{"total":15}');
	});
});
