import { describe, expect, it, vi } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

describe("rust-cpu-hog", () => {
	it("is contained: its 10 s busy-wait on the clock fails the connect event (fuel or the 3 s clock guard)", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const logged = () => errors.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
		const room = uniqueRoom();
		const a = await connect(`/s/rust-cpu-hog/ws/${room}`);
		await vi.waitFor(() => expect(logged()).toContain("the connect event from client 1 failed"), { timeout: 8000 });
		expect(logged()).toContain(`service "rust-cpu-hog", room "${room}"`);
		// Whichever trips first: the fuel budget, or the host's clock guards (locally the clock
		// moves; deployed, it stands still and the read count trips instead).
		expect(logged()).toMatch(
			/used its fuel budget of \d+ per event|the guest (kept reading the clock for over 3000 ms in one event|read the clock 100000 times)/,
		);
		// "Connected." was sent before the busy-wait, so it was discarded with the failed event.
		expect(await a.quiet(50)).toEqual([]);
		// The room still serves: a second client is admitted (and contained) the same way.
		const b = await connect(`/s/rust-cpu-hog/ws/${room}`);
		await vi.waitFor(() => expect(logged()).toContain("the connect event from client 2 failed"), { timeout: 8000 });
		expect([await a.quiet(50), await b.quiet(50)]).toEqual([[], []]);
	}, 20_000);
});
