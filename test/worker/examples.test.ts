/**
 * The TypeScript twins of the upstream examples show exactly the upstream messages
 * (../shared/stateroom-abi.md, "The upstream example services"), through real rooms.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("counter", () => {
	it("broadcasts every new value to every client of the room", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		const b = await connect(`/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		expect(await b.next()).toBe("new value: 1");
		b.send("increment");
		b.send("decrement");
		b.send("decrement");
		b.send("something else");
		for (const client of [a, b]) {
			expect([await client.next(), await client.next(), await client.next(), await client.next()]).toEqual([
				"new value: 2",
				"new value: 1",
				"new value: 0",
				"new value: 0",
			]);
		}
	});

	it("ignores binary messages", async () => {
		const a = await connect(`/ws/${uniqueRoom()}`);
		a.send(new Uint8Array([105, 110, 99]));
		expect(await a.quiet()).toEqual([]);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
	});
});

describe("echo", () => {
	it("greets only the new client, echoes to everyone, and announces who left", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		const b = await connect(`/s/echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		expect(await a.quiet()).toEqual([]);
		b.send("hi there");
		expect(await a.next()).toBe("User ClientId(2) sent 'hi there'");
		expect(await b.next()).toBe("User ClientId(2) sent 'hi there'");
		b.send(new Uint8Array([1, 2]));
		expect(await a.quiet()).toEqual([]);
		b.close();
		expect(await a.next()).toBe("User ClientId(2) left.");
	});

	it("numbers clients from 1 and never reuses an id", async () => {
		const room = uniqueRoom();
		const first = await connect(`/s/echo/ws/${room}`);
		expect(await first.next()).toBe("User ClientId(1) connected.");
		const second = await connect(`/s/echo/ws/${room}`);
		expect(await second.next()).toBe("User ClientId(2) connected.");
		second.close();
		expect(await first.next()).toBe("User ClientId(2) left.");
		const third = await connect(`/s/echo/ws/${room}`);
		expect(await third.next()).toBe("User ClientId(3) connected.");
	});
});

describe("randomness", () => {
	it("greets each client with a random u32, then behaves as echo", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/randomness/ws/${room}`);
		const greeting = String(await a.next());
		const match = /^User ClientId\(1\) connected\. Random number: (\d+)$/.exec(greeting);
		expect(match, greeting).not.toBeNull();
		expect(Number(match?.[1])).toBeLessThanOrEqual(0xffff_ffff);
		const numbers = new Set([match?.[1]]);
		for (let i = 0; i < 3; i++) {
			const other = await connect(`/s/randomness/ws/${room}`);
			numbers.add(/Random number: (\d+)$/.exec(String(await other.next()))?.[1]);
		}
		expect(numbers.size).toBeGreaterThan(1);
		a.send("x");
		expect(await a.next()).toBe("User ClientId(1) sent 'x'");
	});
});

describe("binary-echo", () => {
	it("broadcasts text back as text and ignores binary", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/binary-echo/ws/${room}`);
		const b = await connect(`/s/binary-echo/ws/${room}`);
		a.send("ping");
		expect(await a.next()).toBe("ping");
		expect(await b.next()).toBe("ping");
		a.send(new Uint8Array([1]));
		expect(await b.quiet()).toEqual([]);
	});
});

describe("clock", () => {
	it("arms a 4 s timer on init, ticks Timer @ N on each alarm, and re-arms", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/clock/ws/${room}`);
		const stub = roomStub("clock", room);
		const alarm = await runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
		expect(alarm).not.toBeNull();
		expect(Number(alarm) - Date.now()).toBeGreaterThan(3000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await a.next()).toBe("Timer @ 0");
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await a.next()).toBe("Timer @ 1");
	});
});

describe("frames and recipients", () => {
	it("sends bytes as binary frames, and everyone-except skips only the sender", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-bytes/ws/${room}`);
		const b = await connect(`/s/test-bytes/ws/${room}`);
		const c = await connect(`/s/test-bytes/ws/${room}`);
		a.send("hé");
		const bytes = await a.next();
		expect(bytes).toEqual(new Uint8Array([0x68, 0xc3, 0xa9]));
		expect(await b.quiet()).toEqual([]);
		b.send(new Uint8Array([9, 8, 7]));
		expect(await a.next()).toBe("got 3 bytes");
		expect(await c.next()).toBe("got 3 bytes");
		expect(await b.quiet()).toEqual([]);
	});
});

describe("chat", () => {
	it("welcomes a client with its id, tells the others, relays lines and renames", async () => {
		const room = uniqueRoom();
		const ann = await connect(`/s/chat/ws/${room}`);
		expect(JSON.parse(String(await ann.next()))).toMatchObject({ type: "welcome", client: 1, name: "guest-1" });
		const bob = await connect(`/s/chat/ws/${room}`);
		expect(JSON.parse(String(await bob.next()))).toMatchObject({
			type: "welcome",
			client: 2,
			members: [
				{ client: 1, name: "guest-1" },
				{ client: 2, name: "guest-2" },
			],
		});
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "joined", client: 2, name: "guest-2" });
		ann.send("/nick ann");
		for (const client of [ann, bob]) {
			expect(JSON.parse(String(await client.next()))).toEqual({
				type: "renamed",
				client: 1,
				from: "guest-1",
				to: "ann",
			});
		}
		bob.send("/nick ann");
		expect(JSON.parse(String(await bob.next()))).toMatchObject({ type: "error" });
		bob.send("hello");
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "said", client: 2, name: "guest-2", text: "hello" });
		bob.close();
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "left", client: 2, name: "guest-2" });
	});
});
