/**
 * A TypeScript service's console lines come out as the host's own do: one line each, escaped
 * (a client's "\n    at X" cannot forge a stack frame or a `[stateroom]` line), and naming the
 * room they came from, before and after an await in the handler.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

/** Every line written through `method` while the spy was on, each call's arguments joined as console joins them. */
function lines(spy: { mock: { calls: unknown[][] } }): string[] {
	return spy.mock.calls.map((args) => args.map(String).join(" "));
}

describe("a TypeScript service's console", () => {
	it("is escaped onto one line and names the service and room", async () => {
		const log = vi.spyOn(console, "log").mockImplementation(() => {});
		const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
		const error = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const socket = await connect(`/s/test-logger/ws/${room}`);
		socket.send("hi\n    at X (forged.js:1:1)\n[stateroom] forged");
		expect(await socket.next()).toBe("logged");
		const label = `[stateroom] service "test-logger", room "${room}"`;
		const escaped = "hi\\n    at X (forged.js:1:1)\\n[stateroom] forged";
		expect(lines(log)).toContain(`${label} (console.log): got ${escaped}`);
		expect(lines(warn)).toContain(`${label} (console.warn): later: ${escaped}`);
		const errorLine = lines(error).find((line) => line.startsWith(`${label} (console.error): Error: ${escaped}`));
		expect(errorLine).toBeDefined();
		// Whatever else it holds (the error's real stack frames), no line is the client's.
		for (const line of [...lines(log), ...lines(warn), ...lines(error)]) {
			expect(line.split("\n")).not.toContain("    at X (forged.js:1:1)");
			expect(line.split("\n")).not.toContain("[stateroom] forged");
		}
	});

	it("leaves the host's own lines as they were", async () => {
		const error = vi.spyOn(console, "error").mockImplementation(() => {});
		const socket = await connect(`/s/test-fragile/ws/${uniqueRoom()}`);
		socket.send("fine");
		expect(await socket.next()).toBe("count 1");
		// Fails its event: the host logs the failure, with the error, on its own lines.
		socket.send("boom");
		await socket.quiet();
		expect(lines(error).some((line) => line.startsWith('[stateroom] service "test-fragile"'))).toBe(true);
		expect(lines(error).some((line) => line.includes("(console."))).toBe(false);
	});
});
