/**
 * Modules built by guests/rust (a stand-in for Stateroom's own Rust examples, built like
 * stateroom-wasm builds them) show upstream's exact messages through real rooms.
 */
import { describe, expect, it } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

describe("rust-counter", () => {
	it("broadcasts every new value to every client, sender included", async () => {
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
});
