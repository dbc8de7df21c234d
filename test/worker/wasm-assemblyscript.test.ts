/**
 * Modules built from services/assemblyscript with the AssemblyScript SDK show upstream's exact
 * messages through real rooms, and resume from their saved memory and exported globals after
 * eviction (which is what the SDK's state-exporting transform is for).
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("as-counter", () => {
	it("broadcasts every new value to every client, sender included", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-counter/ws/${room}`);
		const b = await connect(`/s/as-counter/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		expect(await b.next()).toBe("new value: 1");
		b.send("decrement");
		b.send("decrement");
		b.send("anything else");
		for (const client of [a, b]) {
			expect([await client.next(), await client.next(), await client.next()]).toEqual([
				"new value: 0",
				"new value: -1",
				"new value: -1",
			]);
		}
	});

	it("ignores binary messages", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-counter/ws/${room}`);
		a.send(new Uint8Array([105, 110, 99]));
		expect(await a.quiet()).toEqual([]);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
	});

	it("keeps its value through eviction: at 3, evicted, the next increment answers new value: 4", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-counter/ws/${room}`);
		const b = await connect(`/s/as-counter/ws/${room}`);
		for (const expected of [1, 2, 3]) {
			a.send("increment");
			expect(await a.next()).toBe(`new value: ${expected}`);
			expect(await b.next()).toBe(`new value: ${expected}`);
		}
		await evictDurableObject(roomStub("as-counter", room));
		b.send("increment");
		expect(await a.next()).toBe("new value: 4");
		expect(await b.next()).toBe("new value: 4");
	});
});

describe("as-echo", () => {
	it("greets only the new client, broadcasts what each says, and who left", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		const b = await connect(`/s/as-echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		expect(await a.quiet()).toEqual([]);
		b.send("héllo 🌍");
		for (const client of [a, b]) expect(await client.next()).toBe("User ClientId(2) sent 'héllo 🌍'");
		b.send(new Uint8Array([1, 2]));
		expect(await a.quiet()).toEqual([]);
		b.close();
		expect(await a.next()).toBe("User ClientId(2) left.");
	});

	it("keeps client ids going after eviction, with its heap intact", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		// Enough traffic to make the allocator and GC state matter when the room wakes.
		for (let i = 0; i < 20; i++) {
			a.send(`warm-up ${i} ${"x".repeat(i * 100)}`);
			expect(await a.next()).toBe(`User ClientId(1) sent 'warm-up ${i} ${"x".repeat(i * 100)}'`);
		}
		await evictDurableObject(roomStub("as-echo", room));
		const b = await connect(`/s/as-echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		a.send("still here");
		for (const client of [a, b]) expect(await client.next()).toBe("User ClientId(1) sent 'still here'");
	});
});

describe("as-clock", () => {
	it("arms a 4 s timer on init, ticks Timer @ N on each alarm, and keeps counting after eviction", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-clock/ws/${room}`);
		const stub = roomStub("as-clock", room);
		const alarm = await runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
		expect(alarm).not.toBeNull();
		expect(Number(alarm) - Date.now()).toBeGreaterThan(3000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await a.next()).toBe("Timer @ 0");
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await a.next()).toBe("Timer @ 1");
		await evictDurableObject(stub);
		expect(await runInDurableObject(stub, (_room, state) => state.storage.getAlarm())).not.toBeNull();
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await a.next()).toBe("Timer @ 2");
	});
});
