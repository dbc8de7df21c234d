/**
 * A room that was evicted behaves exactly like one that was not: one object in state is never
 * stored at two places (such an event is refused and rolled back, naming both paths), a change
 * through a reference kept from an earlier event is stored or refused, never lost, and a change
 * made while no event runs is refused.
 */
import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, roomStub, type TestSocket, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

interface Reply {
	players: number;
	list: number | null;
	current: number | null;
	same: boolean;
	last: number | null;
	count: number;
	volume: number | null;
	tags: string[];
	outsideError: string;
}

async function ask(socket: TestSocket, command: string): Promise<Reply> {
	socket.send(command);
	return JSON.parse(String(await socket.next())) as Reply;
}

/** Sends a command whose event must fail; returns what was logged. */
async function refused(socket: TestSocket, command: string, errors: { mock: { calls: unknown[][] } }): Promise<string> {
	const before = errors.mock.calls.length;
	socket.send(command);
	expect(await socket.quiet(100)).toEqual([]);
	return errors.mock.calls
		.slice(before)
		.map((call) => call.map(String).join(" "))
		.join("\n");
}

describe("one object at two places", () => {
	for (const size of [200, 300]) {
		it(`is refused at the end of the event that creates it, naming both paths (${size} players)`, async () => {
			const errors = vi.spyOn(console, "error").mockImplementation(() => {});
			const room = uniqueRoom();
			const a = await connect(`/s/test-aliases/ws/${room}`);
			const logged = await refused(a, `add ${size}`, errors);
			expect(logged).toContain("this.current is the same object as this.players[5]");
			expect(logged).toContain("store its id");
			// Rolled back: nothing was added.
			expect(await ask(a, "get")).toMatchObject({ players: 0, current: null });
			// The fix the error names works, and survives eviction.
			expect(await ask(a, `add-id ${size}`)).toMatchObject({ players: size, list: 0, current: 0, same: true });
			await ask(a, "bump");
			await evictDurableObject(roomStub("test-aliases", room));
			expect(await ask(a, "bump")).toMatchObject({ list: 2, current: 2, same: true });
		});
	}

	it("is refused within one field too", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const a = await connect(`/s/test-aliases/ws/${uniqueRoom()}`);
		expect(await refused(a, "pair", errors)).toContain("this.pair[1] is the same object as this.pair[0]");
	});

	it("allows a move: an object taken out of one place and put at another", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		await ask(a, "add-id 300");
		expect(await ask(a, "move")).toMatchObject({ players: 299 });
		await ask(a, "bump");
		await evictDurableObject(roomStub("test-aliases", room));
		expect(await ask(a, "get")).toMatchObject({ players: 299 });
	});
});

describe("a reference kept from an earlier event", () => {
	it("writes through to the state, seen after eviction, though the entry was not read again", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		await ask(a, "add-id 300");
		await ask(a, "keep");
		await ask(a, "bump-kept");
		await ask(a, "bump-kept");
		await evictDurableObject(roomStub("test-aliases", room));
		expect(await ask(a, "get")).toMatchObject({ list: 2 });
	});

	it("to an object the service put in itself is refused: the state keeps its own copy", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		await ask(a, "add-id 300");
		expect(await ask(a, "push-raw")).toMatchObject({ players: 301, last: 0 });
		expect(await refused(a, "bump-kept", errors)).toContain("read only");
		expect(await ask(a, "get")).toMatchObject({ last: 0 });
		await evictDurableObject(roomStub("test-aliases", room));
		expect(await ask(a, "get")).toMatchObject({ last: 0 });
	});

	it("to a Map or Set the service put in itself is refused too", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		expect(await ask(a, "tags-raw")).toMatchObject({ tags: ["a"] });
		expect(await refused(a, "tag-kept", errors)).toContain("no longer part of the room's state");
		expect(await ask(a, "get")).toMatchObject({ tags: ["a"] });
		await evictDurableObject(roomStub("test-aliases", room));
		expect(await ask(a, "get")).toMatchObject({ tags: ["a"] });
	});

	it("to a module-level object that rooms assign to a field: each room keeps and changes its own copy", async () => {
		const [a, b] = [
			await connect(`/s/test-aliases/ws/${uniqueRoom()}`),
			await connect(`/s/test-aliases/ws/${uniqueRoom()}`),
		];
		await ask(a, "defaults");
		expect(await ask(a, "tune")).toMatchObject({ volume: 2 });
		// The first room's checkpoint retired (froze) the module's object: the second room stores a copy all the same.
		await ask(b, "defaults");
		expect(await ask(b, "tune")).toMatchObject({ volume: 2 });
		expect(await ask(a, "tune")).toMatchObject({ volume: 3 });
	});

	it("to a collection the state no longer holds (rebuilt after a failed event) is refused", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		await ask(a, "add-id 300");
		await ask(a, "keep-list");
		await refused(a, "fail", errors);
		expect(await refused(a, "push-kept-list", errors)).toContain("no longer part of the room's state");
		expect(await ask(a, "get")).toMatchObject({ players: 300 });
	});
});

describe("state proxies", () => {
	it("can be sent as they are: bytes from the state leave as a binary frame", async () => {
		const a = await connect(`/s/test-aliases/ws/${uniqueRoom()}`);
		await ask(a, "get");
		a.send("bytes");
		expect(await a.next()).toEqual(new Uint8Array([1, 2, 3]));
	});
});

describe("a change while no event runs", () => {
	it("is refused, through a state proxy as it happens and to a field before the next event", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-aliases/ws/${room}`);
		await ask(a, "add-id 300");
		await ask(a, "later");
		await new Promise((resolve) => setTimeout(resolve, 50));
		const reply = await ask(a, "get");
		expect(reply.outsideError).toContain("this.players[5] was changed outside an event");
		expect(reply).toMatchObject({ list: 0, count: 0 });
		expect(errors.mock.calls.map(String).join("\n")).toContain("this.count was changed outside an event");
		await evictDurableObject(roomStub("test-aliases", room));
		expect(await ask(a, "get")).toMatchObject({ list: 0, count: 0 });
	});
});
