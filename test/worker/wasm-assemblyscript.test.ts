/**
 * What the AssemblyScript services show beyond the shared contract (contract.test.ts): an
 * evicted room resumes with its allocator and GC state intact, which is what the SDK's
 * state-exporting transform is for.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("as-echo", () => {
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
