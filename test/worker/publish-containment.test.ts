/**
 * A published WebAssembly module is contained as a bundled one is, though it runs in another
 * isolate: an event that runs out of fuel (or busy-waits on the clock) fails there, the room
 * reads the failure as costly, and after `limits.failureStreak` of them the room cools down.
 * (A TypeScript service that loops is stopped only by the platform's CPU limit, which local
 * workerd does not enforce: no test runs one.)
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { publish, uniqueService } from "./publishing.ts";
import { BASE, connect, uniqueRoom } from "./socket.ts";

describe("a published module that burns its fuel", () => {
	it("fails its events in its own isolate, and its room cools down after the streak", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const logged = () => errors.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
		const service = uniqueService("hog");
		// A short streak: the test waits for it, not for the cool-down's end.
		await publish(service, "rust-cpu-hog", { settings: { limits: { failureStreak: 2, coolDownMs: 60_000 } } });
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		await vi.waitFor(() => expect(logged()).toContain("the connect event from client 1 failed"), { timeout: 15_000 });
		expect(logged()).toMatch(
			/used its fuel budget of \d+ per event|the guest (kept reading the clock for over 3000 ms in one event|read the clock 100000 times)/,
		);
		const b = await connect(`/s/${service}/ws/${room}`);
		expect((await b.closed).code).toBe(4503);
		expect((await a.closed).code).toBe(4503);
		const refused = await connect(`/s/${service}/ws/${room}`);
		expect(await refused.closed).toMatchObject({ code: 4503, reason: expect.stringMatching(/cooling down/) });
		// The host's own routes are unaffected.
		expect((await exports.default.fetch(`${BASE}/status`)).status).toBe(200);
		errors.mockRestore();
	}, 40_000);
});
