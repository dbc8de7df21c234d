/**
 * Containment: a buggy or hostile TypeScript service can stall, brick or bloat nothing but its
 * own event. A handler that never settles fails at its deadline, state cannot grow past its
 * quota, setTimer refuses delays it cannot honour, and a timer event that keeps failing (or
 * dies with the object) is retried a bounded number of times, then dropped.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { defineServices } from "stateroom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureErrors } from "./console-capture.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

function stored(service: string, room: string, key: string): Promise<unknown> {
	return runInDurableObject(roomStub(service, room), (_room, state) => state.storage.get(key));
}

async function alarmOf(service: string, room: string): Promise<number | null> {
	return runInDurableObject(roomStub(service, room), (_room, state) => state.storage.getAlarm());
}

async function storedStateBytes(service: string, room: string): Promise<number> {
	return runInDurableObject(roomStub(service, room), async (_room, state) => {
		const stored = await state.storage.list({ prefix: "state/" });
		let bytes = 0;
		for (const [key, value] of stored) {
			bytes += new TextEncoder().encode(key.slice("state/".length)).length;
			bytes += typeof value === "string" ? new TextEncoder().encode(value).length : 8;
		}
		return bytes;
	});
}

describe("the event deadline", () => {
	it("fails a handler that never settles, logs it, and answers the events after it", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-stall/ws/${room}`);
		a.send("hang");
		a.send("inc");
		expect(await a.next(3000)).toBe("count 1");
		a.send("inc");
		expect(await a.next()).toBe("count 2");
		expect(logged()).toContain(
			`service "test-stall", room "${room}": the message event from client 1 failed and was rolled back; the service is reloaded from storage`,
		);
		expect(logged()).toContain("did not settle within 200 ms (limits.eventDeadlineMs)");
	});

	it("ignores what an abandoned handler does later, and keeps its state out of the room", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-stall/ws/${room}`);
		a.send("inc");
		expect(await a.next()).toBe("count 1");
		a.send("late");
		a.send("inc");
		expect(await a.next(3000)).toBe("count 2");
		// The abandoned handler wakes up 400 ms after it began: its message and timer go nowhere.
		expect(await a.quiet(500)).toEqual([]);
		a.send("inc");
		expect(await a.next()).toBe("count 3");
		expect(await alarmOf("test-stall", room)).toBeNull();
		expect(logged()).toContain("set a timer after its message event from client 1 had ended");
	});
});

describe("the state quota", () => {
	it("rolls back an event that would store more than limits.maxStateBytes, and says so", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-hoard/ws/${room}`);
		a.send("add 60000");
		expect(await a.next()).toBe("chars 60000");
		a.send("add 10000");
		a.send("add 1");
		expect(await a.next()).toBe("chars 60001");
		expect(logged()).toContain(
			`service "test-hoard", room "${room}": the message event from client 1 failed and was rolled back`,
		);
		expect(logged()).toContain("over the service's quota of 65536 bytes (limits.maxStateBytes)");
		expect(logged()).toContain('raise `limits.maxStateBytes` for "test-hoard" in defineServices');
	});

	it("never lets a client make the room hold more than its quota, however it sends", async () => {
		captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-hoard/ws/${room}`);
		for (let index = 0; index < 80; index++) a.send("add 1000");
		a.send("look");
		// Events run in order: the answer to "look" comes after every "add" has been handled.
		let answer = "";
		while (!answer.startsWith("look: ")) answer = String(await a.next(5000));
		const kept = Number(answer.replace("look: chars ", ""));
		expect(kept).toBeGreaterThan(60_000);
		expect(kept).toBeLessThan(65_536);
		expect(await storedStateBytes("test-hoard", room)).toBeLessThanOrEqual(65_536);
		// What is stored is what the service has: a fresh connection sees the same.
		const b = await connect(`/s/test-hoard/ws/${room}`);
		b.send("look");
		expect(await b.next()).toBe(`look: chars ${kept}`);
	});

	it("counts text as UTF-8 bytes, not characters", async () => {
		captureErrors();
		const a = await connect(`/s/test-hoard/ws/${uniqueRoom()}`);
		a.send("add 40000");
		expect(await a.next()).toBe("chars 40000");
		// 20,000 more characters, but 40,000 more bytes: over the 64 KiB quota.
		a.send("add-accented 20000");
		a.send("add-accented 10000");
		expect(await a.next()).toBe("chars 50000");
	});

	it("lets a room shrink again once it is at its quota", async () => {
		captureErrors();
		const a = await connect(`/s/test-hoard/ws/${uniqueRoom()}`);
		a.send("add 60000");
		expect(await a.next()).toBe("chars 60000");
		a.send("add 6000");
		a.send("drop");
		expect(await a.next()).toBe("chars 0");
		a.send("add 6000");
		expect(await a.next()).toBe("chars 6000");
	});
});

describe("the limits' settings", () => {
	it.each([
		[{ maxStateBytes: 0 }, "limits.maxStateBytes is 0; use a whole number from 1"],
		[{ eventDeadlineMs: Number.NaN }, "limits.eventDeadlineMs is NaN; use a whole number from 1 to 2147483647"],
		[{ eventDeadlineMs: 1.5 }, "limits.eventDeadlineMs is 1.5; use a whole number"],
	])("refuses %j with the service's name", (limits, message) => {
		class Quiet {}
		expect(() => defineServices({ default: "quiet", services: { quiet: { implementation: Quiet, limits } } })).toThrow(
			`Service "quiet": ${message}`,
		);
	});
});

describe("setTimer", () => {
	it.each(["1e15", "NaN", "-1", "Infinity"])("refuses %s, failing the event", async (delay) => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-timers/ws/${room}`);
		a.send(`set ${delay}`);
		a.send("set 60000");
		// The refused event was rolled back: its count and its answer are gone.
		expect(await a.next()).toBe("sets 1");
		expect(logged()).toContain("setTimer takes a delay in milliseconds from 0 to 4294967295 (about 49.7 days)");
		expect(logged()).toContain(`got ${Number(delay)}`);
		const alarm = await alarmOf("test-timers", room);
		expect(alarm).toBeGreaterThan(Date.now() + 50_000);
	});

	it("takes the longest delay it documents", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-timers/ws/${room}`);
		const before = Date.now();
		a.send(`set ${2 ** 32 - 1}`);
		expect(await a.next()).toBe("sets 1");
		expect(await alarmOf("test-timers", room)).toBeGreaterThanOrEqual(before + 2 ** 32 - 1);
	});

	it("fires a 0 ms timer set by a message as soon as it can", async () => {
		const a = await connect(`/s/test-timers/ws/${uniqueRoom()}`);
		a.send("set 0");
		expect(await a.next()).toBe("sets 1");
		expect(await a.next()).toBe("tick");
	});

	it("spaces a timer that a timer event sets at least 50 ms after that event began", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-spinner/ws/${room}`);
		a.send("go");
		expect(await a.next()).toBe("ticks 0");
		const before = Date.now();
		expect(await runDurableObjectAlarm(roomStub("test-spinner", room))).toBe(true);
		expect(await alarmOf("test-spinner", room)).toBeGreaterThanOrEqual(before + 50);
	});
});

describe("a timer event that keeps failing", () => {
	it("is retried with a backoff, then dropped with a log line", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const stub = roomStub("test-poison-timer", room);
		const a = await connect(`/s/test-poison-timer/ws/${room}`);
		a.send("arm");
		expect(await a.next()).toBe("armed");

		const before = Date.now();
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(logged()).toContain("the timer event failed on attempt 1 of 3; it runs again in 1000 ms.");
		expect(await alarmOf("test-poison-timer", room)).toBeGreaterThanOrEqual(before + 1000);

		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(logged()).toContain("the timer event failed on attempt 2 of 3; it runs again in 4000 ms.");

		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(logged()).toContain(
			`service "test-poison-timer", room "${room}": the timer event failed on attempt 3 of 3 and is dropped`,
		);
		expect(logged().match(/the timer event failed and was rolled back/g)).toHaveLength(3);
		expect(await alarmOf("test-poison-timer", room)).toBeNull();
		expect(await runDurableObjectAlarm(stub)).toBe(false);

		// The room serves on, and a new timer starts counting afresh.
		a.send("arm");
		expect(await a.next()).toBe("armed");
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(logged().match(/failed on attempt 1 of 3; it runs again in 1000 ms/g)).toHaveLength(2);
	});
});

describe("a room reset by the platform", () => {
	it("comes back from storage with every answered event kept", async () => {
		captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-stall/ws/${room}`);
		for (const expected of ["count 1", "count 2", "count 3"]) {
			a.send("inc");
			expect(await a.next()).toBe(expected);
		}
		await expect(
			runInDurableObject(roomStub("test-stall", room), (_room, state) => state.abort("reset by the test")),
		).rejects.toThrow();
		const b = await connect(`/s/test-stall/ws/${room}`);
		b.send("inc");
		expect(await b.next()).toBe("count 4");
	});

	it("counts a timer event that was running when the object died, retries it after a backoff, then drops it", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const a = await connect(`/s/test-stuck-timer/ws/${room}`);
		a.send("arm");
		expect(await a.next()).toBe("count 1");
		for (let attempt = 1; attempt <= 3; attempt++) {
			// The timer event never settles (its deadline is a minute away): the object dies under it.
			const firing = runDurableObjectAlarm(roomStub("test-stuck-timer", room)).catch(() => {});
			await vi.waitFor(async () =>
				expect(await stored("test-stuck-timer", room, "timer")).toEqual({ attempts: attempt, running: true }),
			);
			await expect(
				runInDurableObject(roomStub("test-stuck-timer", room), (_room, state) => state.abort("reset by the test")),
			).rejects.toThrow("reset by the test");
			await firing;
			// The room comes back when a client connects; the run that died is counted.
			const b = await connect(`/s/test-stuck-timer/ws/${room}`);
			b.send("look");
			expect(await b.next()).toBe(`count ${attempt + 1}`);
			await vi.waitFor(() =>
				expect(logged()).toContain(
					`the timer event was still running when the room stopped (a crash, the CPU limit, a restart) on attempt ${attempt} of 3`,
				),
			);
		}
		expect(logged()).toContain("on attempt 3 of 3 and is dropped");
		expect(await alarmOf("test-stuck-timer", room)).toBeNull();
		expect(await stored("test-stuck-timer", room, "timer")).toBeUndefined();
	});
});
