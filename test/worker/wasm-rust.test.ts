/**
 * Modules built from guests/rust (upstream's examples, glued like stateroom-wasm 0.4 glues them)
 * show upstream's exact messages through real rooms: who gets what (one client, everyone,
 * everyone but one), text vs binary, timers and randomness through WASI.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("rust-echo", () => {
	it("greets only the new client, echoes text to everyone, ignores binary, announces who left", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/rust-echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		const b = await connect(`/s/rust-echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		expect(await a.quiet()).toEqual([]);
		b.send("héllo 'there'");
		expect(await a.next()).toBe("User ClientId(2) sent 'héllo 'there''");
		expect(await b.next()).toBe("User ClientId(2) sent 'héllo 'there''");
		a.send(new Uint8Array([1, 2, 3]));
		expect(await b.quiet()).toEqual([]);
		a.close();
		expect(await b.next()).toBe("User ClientId(1) left.");
	});
});

describe("rust-counter", () => {
	it("broadcasts every new value to every client, sender included; other text changes nothing", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/rust-counter/ws/${room}`);
		const b = await connect(`/s/rust-counter/ws/${room}`);
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

	it("keeps one instance per room: rooms never see each other's count", async () => {
		const [first, second] = [uniqueRoom(), uniqueRoom()];
		const a = await connect(`/s/rust-counter/ws/${first}`);
		const b = await connect(`/s/rust-counter/ws/${second}`);
		a.send("increment");
		a.send("increment");
		expect([await a.next(), await a.next()]).toEqual(["new value: 1", "new value: 2"]);
		b.send("decrement");
		expect(await b.next()).toBe("new value: -1");
		expect(await a.quiet()).toEqual([]);
	});

	it("ignores binary messages", async () => {
		const a = await connect(`/s/rust-counter/ws/${uniqueRoom()}`);
		a.send(new TextEncoder().encode("increment"));
		expect(await a.quiet()).toEqual([]);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
	});
});

describe("rust-clock", () => {
	it("sets a 4000 ms timer on init, then broadcasts Timer @ N on each tick and re-arms", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/rust-clock/ws/${room}`);
		const b = await connect(`/s/rust-clock/ws/${room}`);
		const stub = roomStub("rust-clock", room);
		const alarm = () => runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
		const armedAt = Date.now();
		const first = await alarm();
		expect(first).not.toBeNull();
		expect(Math.abs((first ?? 0) - armedAt - 4000)).toBeLessThan(1000);
		for (const tick of [0, 1, 2]) {
			expect(await runDurableObjectAlarm(stub)).toBe(true);
			expect(await a.next()).toBe(`Timer @ ${tick}`);
			expect(await b.next()).toBe(`Timer @ ${tick}`);
			expect(await alarm()).not.toBeNull();
		}
	});
});

describe("rust-randomness", () => {
	it("sends each new client its own random u32, and echoes like echo-server", async () => {
		const room = uniqueRoom();
		const pattern = /^User ClientId\((\d)\) connected\. Random number: (\d+)$/;
		const numbers: number[] = [];
		const clients = [];
		for (const id of [1, 2, 3]) {
			const client = await connect(`/s/rust-randomness/ws/${room}`);
			const match = pattern.exec(String(await client.next()));
			expect(match?.[1]).toBe(String(id));
			const number = Number(match?.[2]);
			expect(number).toBeLessThanOrEqual(0xffff_ffff);
			numbers.push(number);
			clients.push(client);
		}
		// Three equal u32s from real randomness would be a one-in-2^64 event.
		expect(new Set(numbers).size).toBeGreaterThan(1);
		const [a, b, c] = clients as [Awaited<ReturnType<typeof connect>>, ...Awaited<ReturnType<typeof connect>>[]];
		a.send("hi");
		for (const client of clients) expect(await client.next()).toBe("User ClientId(1) sent 'hi'");
		b?.close();
		expect(await a.next()).toBe("User ClientId(2) left.");
		expect(await c?.next()).toBe("User ClientId(2) left.");
	});
});

describe("rust-binary-echo", () => {
	it("broadcasts text back as text frames and ignores binary", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/rust-binary-echo/ws/${room}`);
		const b = await connect(`/s/rust-binary-echo/ws/${room}`);
		a.send(new Uint8Array([0, 255]));
		expect(await b.quiet()).toEqual([]);
		a.send("ping ✓");
		expect(await a.next()).toBe("ping ✓");
		expect(await b.next()).toBe("ping ✓");
	});
});

describe("rust-cpu-hog", () => {
	it("is contained: its 10 s busy-wait on the clock fails the connect event after 3 s", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const logged = () => errors.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
		const room = uniqueRoom();
		const a = await connect(`/s/rust-cpu-hog/ws/${room}`);
		await vi.waitFor(() => expect(logged()).toContain("the connect event from client 1 failed"), { timeout: 8000 });
		expect(logged()).toContain(`service "rust-cpu-hog", room "${room}"`);
		// Locally the clock moves; deployed, it stands still and the read count trips instead.
		expect(logged()).toMatch(
			/the guest (kept reading the clock for over 3000 ms in one event|read the clock 100000 times)/,
		);
		// "Connected." was sent before the busy-wait, so it was discarded with the failed event.
		expect(await a.quiet(50)).toEqual([]);
		// The room still serves: a second client is admitted (and contained) the same way.
		const b = await connect(`/s/rust-cpu-hog/ws/${room}`);
		await vi.waitFor(() => expect(logged()).toContain("the connect event from client 2 failed"), { timeout: 8000 });
		expect([await a.quiet(50), await b.quiet(50)]).toEqual([[], []]);
	}, 20_000);
});
