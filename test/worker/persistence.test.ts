/**
 * Rooms keep everything through hibernation and eviction without the service doing anything:
 * state, client ids, the connected sockets, the timer, and init having run.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("eviction with clients connected", () => {
	it("keeps client ids going and still knows who each socket is", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		const b = await connect(`/s/echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		await evictDurableObject(roomStub("echo", room));
		const c = await connect(`/s/echo/ws/${room}`);
		expect(await c.next()).toBe("User ClientId(3) connected.");
		a.send("still here");
		for (const client of [a, b, c]) expect(await client.next()).toBe("User ClientId(1) sent 'still here'");
		a.close();
		expect(await b.next()).toBe("User ClientId(1) left.");
		expect(await c.next()).toBe("User ClientId(1) left.");
	});

	it("runs init once in a room's life, not on every wake", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-init/ws/${room}`);
		a.send("?");
		expect(await a.next()).toBe("inits 1");
		await evictDurableObject(roomStub("test-init", room));
		a.send("?");
		expect(await a.next()).toBe("inits 1");
	});
});

describe("what a service's state may hold", () => {
	it("restores Set, Date, bigint, bytes, undefined and a '$sr' key; transient fields start fresh", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-rich/ws/${room}`);
		a.send("one");
		const before = JSON.parse(String(await a.next()));
		expect(before).toMatchObject({ seen: ["one"], cache: 1, big: "1", raw: [1, 2, 3] });
		await evictDurableObject(roomStub("test-rich", room));
		a.send("two");
		const after = JSON.parse(String(await a.next()));
		expect(after).toEqual({
			seen: ["one", "two"],
			// The transient cache came back empty from the constructor, then got "two".
			cache: 1,
			big: "2",
			when: new Date(2000).toISOString(),
			raw: [1, 2, 3],
			nested: { list: [1, null, 3], $sr: "tricky" },
		});
	});

	it("uses a service's own save() and restore()", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-custom/ws/${room}`);
		a.send("5");
		expect(await a.next()).toBe("total 5");
		await evictDurableObject(roomStub("test-custom", room));
		a.send("2");
		expect(await a.next()).toBe("total 7");
	});

	it("keeps nothing for a service that opts out with persistence = 'none'", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-ephemeral/ws/${room}`);
		a.send("x");
		a.send("x");
		expect([await a.next(), await a.next()]).toEqual(["count 1", "count 2"]);
		await evictDurableObject(roomStub("test-ephemeral", room));
		a.send("x");
		expect(await a.next()).toBe("count 1");
	});
});

describe("disconnect", () => {
	it("is delivered for sockets that vanished while the room was evicted", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/chat/ws/${room}`);
		await a.next();
		const b = await connect(`/s/chat/ws/${room}`);
		await b.next();
		await evictDurableObject(roomStub("chat", room), { webSockets: "close" });
		await a.closed;
		const c = await connect(`/s/chat/ws/${room}`);
		// Clients 1 and 2 were disconnected before client 3 was connected: it is alone.
		expect(JSON.parse(String(await c.next()))).toEqual({
			type: "welcome",
			client: 3,
			name: "guest-3",
			members: [{ client: 3, name: "guest-3" }],
		});
	});

	it("is delivered exactly once per client, however the socket ended", async () => {
		const room = uniqueRoom();
		const watcher = await connect(`/s/echo/ws/${room}`);
		await watcher.next();
		const leaver = await connect(`/s/echo/ws/${room}`);
		await leaver.next();
		leaver.close(4000, "bye");
		expect(await watcher.next()).toBe("User ClientId(2) left.");
		await evictDurableObject(roomStub("echo", room));
		watcher.send("after");
		expect(await watcher.next()).toBe("User ClientId(1) sent 'after'");
		expect(await watcher.quiet()).toEqual([]);
	});
});
