/**
 * One behaviour suite for upstream's example services, run against every implementation:
 * the TypeScript twins in services/, the Rust guests in guests/rust (built like
 * stateroom-wasm 0.4 builds them), the AssemblyScript services and the C guests in
 * guests/c. Each must show exactly upstream's messages (docs/abi.md, "Upstream's
 * example services") through real rooms, and keep going after an eviction with its
 * clients connected. The WebAssembly ones run twice: bundled, and published at run time
 * (docs/publishing.md), each in an isolate of its own.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { publish } from "./publishing.ts";
import { connect, roomStub, type TestSocket, uniqueRoom } from "./socket.ts";

type Example = "counter" | "echo" | "clock" | "randomness" | "binary-echo";

/** Service names by implementation. AssemblyScript ships counter, echo and clock only; C counter and echo. */
const implementations: { language: string; services: Partial<Record<Example, string>> }[] = [
	{
		language: "TypeScript",
		services: {
			counter: "counter",
			echo: "echo",
			clock: "clock",
			randomness: "randomness",
			"binary-echo": "binary-echo",
		},
	},
	{
		language: "Rust",
		services: {
			counter: "rust-counter",
			echo: "rust-echo",
			clock: "rust-clock",
			randomness: "rust-randomness",
			"binary-echo": "rust-binary-echo",
		},
	},
	{ language: "AssemblyScript", services: { counter: "as-counter", echo: "as-echo", clock: "as-clock" } },
	{ language: "C", services: { counter: "c-counter", echo: "c-echo" } },
];

/** The bundled WebAssembly examples, published under `published-<name>` before the suite runs. */
const published = implementations
	.filter(({ language }) => language !== "TypeScript")
	.map(({ language, services }) => ({
		language: `${language}, published`,
		services: Object.fromEntries(
			Object.entries(services).map(([example, name]) => [example, `published-${name}`]),
		) as Partial<Record<Example, string>>,
	}));
implementations.push(...published);

beforeAll(async () => {
	for (const { services } of published) {
		for (const name of Object.values(services)) await publish(name, name.slice("published-".length));
	}
}, 60_000);

async function clients(service: string, room: string, count: number): Promise<TestSocket[]> {
	const sockets: TestSocket[] = [];
	for (let i = 0; i < count; i++) sockets.push(await connect(`/s/${service}/ws/${room}`));
	return sockets;
}

async function expectAll(sockets: TestSocket[], message: string): Promise<void> {
	for (const socket of sockets) expect(await socket.next()).toBe(message);
}

for (const { language, services } of implementations) {
	describe(`${language} examples`, () => {
		const { counter, echo, clock, randomness } = services;
		const binaryEcho = services["binary-echo"];

		if (counter) {
			describe(counter, () => {
				it("broadcasts every new value, sender included; other text changes nothing; binary is ignored", async () => {
					const [a, b] = (await clients(counter, uniqueRoom(), 2)) as [TestSocket, TestSocket];
					a.send("increment");
					await expectAll([a, b], "new value: 1");
					b.send("decrement");
					b.send("decrement");
					b.send("anything else");
					b.send(new TextEncoder().encode("increment"));
					for (const client of [a, b]) {
						expect([await client.next(), await client.next(), await client.next()]).toEqual([
							"new value: 0",
							"new value: -1",
							"new value: -1",
						]);
					}
					expect(await a.quiet()).toEqual([]);
				});

				it("at 3, evicted with clients connected, answers the next increment with new value: 4", async () => {
					const room = uniqueRoom();
					const [a, b] = (await clients(counter, room, 2)) as [TestSocket, TestSocket];
					for (const expected of [1, 2, 3]) {
						a.send("increment");
						await expectAll([a, b], `new value: ${expected}`);
					}
					await evictDurableObject(roomStub(counter, room));
					b.send("increment");
					await expectAll([a, b], "new value: 4");
				});

				it("keeps rooms apart", async () => {
					const [a] = (await clients(counter, uniqueRoom(), 1)) as [TestSocket];
					const [b] = (await clients(counter, uniqueRoom(), 1)) as [TestSocket];
					a.send("increment");
					a.send("increment");
					expect([await a.next(), await a.next()]).toEqual(["new value: 1", "new value: 2"]);
					b.send("decrement");
					expect(await b.next()).toBe("new value: -1");
				});
			});
		}

		if (echo) {
			describe(echo, () => {
				it("greets only the new client, echoes text to everyone, ignores binary, announces who left", async () => {
					const room = uniqueRoom();
					const [a] = (await clients(echo, room, 1)) as [TestSocket];
					expect(await a.next()).toBe("User ClientId(1) connected.");
					const [b] = (await clients(echo, room, 1)) as [TestSocket];
					expect(await b.next()).toBe("User ClientId(2) connected.");
					expect(await a.quiet()).toEqual([]);
					b.send("héllo 'there' 🌍");
					await expectAll([a, b], "User ClientId(2) sent 'héllo 'there' 🌍'");
					b.send(new Uint8Array([1, 2]));
					expect(await a.quiet()).toEqual([]);
					b.close();
					expect(await a.next()).toBe("User ClientId(2) left.");
				});

				it("numbers clients from 1, never reuses an id, and keeps counting after eviction", async () => {
					const room = uniqueRoom();
					const [a] = (await clients(echo, room, 1)) as [TestSocket];
					expect(await a.next()).toBe("User ClientId(1) connected.");
					const [b] = (await clients(echo, room, 1)) as [TestSocket];
					expect(await b.next()).toBe("User ClientId(2) connected.");
					b.close();
					expect(await a.next()).toBe("User ClientId(2) left.");
					await evictDurableObject(roomStub(echo, room));
					const [c] = (await clients(echo, room, 1)) as [TestSocket];
					expect(await c.next()).toBe("User ClientId(3) connected.");
					a.send("still here");
					await expectAll([a, c], "User ClientId(1) sent 'still here'");
				});
			});
		}

		if (clock) {
			describe(clock, () => {
				it("arms a 4 s timer on init, ticks Timer @ N to everyone, re-arms, and keeps counting after eviction", async () => {
					const room = uniqueRoom();
					const sockets = await clients(clock, room, 2);
					const stub = roomStub(clock, room);
					const alarm = () => runInDurableObject(stub, (_room, state) => state.storage.getAlarm());
					const armed = await alarm();
					expect(armed).not.toBeNull();
					expect(Number(armed) - Date.now()).toBeGreaterThan(3000);
					for (const tick of [0, 1]) {
						expect(await runDurableObjectAlarm(stub)).toBe(true);
						await expectAll(sockets, `Timer @ ${tick}`);
						expect(await alarm()).not.toBeNull();
					}
					await evictDurableObject(stub);
					expect(await runDurableObjectAlarm(stub)).toBe(true);
					await expectAll(sockets, "Timer @ 2");
				});
			});
		}

		if (randomness) {
			describe(randomness, () => {
				it("greets each client with a random u32, then echoes like echo-server", async () => {
					const room = uniqueRoom();
					const sockets = await clients(randomness, room, 3);
					const numbers = new Set<number>();
					for (const [index, socket] of sockets.entries()) {
						const greeting = String(await socket.next());
						const match = /^User ClientId\((\d+)\) connected\. Random number: (\d+)$/.exec(greeting);
						expect(match?.[1], greeting).toBe(String(index + 1));
						expect(Number(match?.[2])).toBeLessThanOrEqual(0xffff_ffff);
						numbers.add(Number(match?.[2]));
					}
					// Three equal u32s from real randomness would be a one-in-2^64 event.
					expect(numbers.size).toBeGreaterThan(1);
					sockets[0]?.send("hi");
					await expectAll(sockets, "User ClientId(1) sent 'hi'");
				});
			});
		}

		if (binaryEcho) {
			describe(binaryEcho, () => {
				it("broadcasts text back as text frames and ignores binary", async () => {
					const [a, b] = (await clients(binaryEcho, uniqueRoom(), 2)) as [TestSocket, TestSocket];
					a.send(new Uint8Array([0, 255]));
					expect(await b.quiet()).toEqual([]);
					a.send("ping ✓");
					await expectAll([a, b], "ping ✓");
				});
			});
		}
	});
}
