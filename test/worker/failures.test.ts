/**
 * A failing event never takes the room down: its state changes, messages and timer are
 * discarded, the failure is logged with the room and the event, and the room keeps serving.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

describe("a service that throws", () => {
	it("rolls back the event's state, messages and timer, and keeps serving", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-fragile/ws/${room}`);
		a.send("a");
		expect(await a.next()).toBe("count 1");
		a.send("boom");
		a.send("b");
		// "count 2" from the failed event never went out; "b" counts from the rolled-back state.
		expect(await a.next()).toBe("count 2");
		expect(await a.quiet()).toEqual([]);
		const stub = roomStub("test-fragile", room);
		expect(await runInDurableObject(stub, (_room, state) => state.storage.getAlarm())).toBeNull();
		const logged = errors.mock.calls.map((call) => String(call[0])).join("\n");
		expect(logged).toContain(`service "test-fragile", room "${room}": the message event from client 1 failed`);
		expect(logged).toContain("boom requested");
	});
});

describe("a rollback that fails too", () => {
	it("reloads the service from storage and keeps serving from the last good state", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const a = await connect(`/s/test-shaky/ws/${uniqueRoom()}`);
		a.send("inc");
		expect(await a.next()).toBe("count 1");
		a.send("break");
		a.send("inc");
		// The failed event's increment is gone: the state came back from storage.
		expect(await a.next()).toBe("count 2");
		const logged = errors.mock.calls.map((call) => String(call[0])).join("\n");
		expect(logged).toContain("could not be rolled back in memory; the service is reloaded from storage");
		expect(logged).toContain("construction failed on purpose");
	});
});

describe("state that cannot be stored", () => {
	it("fails the event with an error that names the field and the fixes", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-unstorable/ws/${room}`);
		a.send("store");
		a.send("look");
		expect(await a.next()).toBe("items 0");
		const logged = errors.mock.calls.map((call) => String(call[0])).join("\n");
		expect(logged).toContain('Service "test-unstorable" cannot be saved: this.items.get("a") is a Handle');
		expect(logged).toContain('static transient = ["items"]');
		expect(logged).toContain("save() and restore()");
	});
});

describe("ordering", () => {
	it("processes events one at a time in arrival order, even when handlers are async", async () => {
		const a = await connect(`/s/test-slow/ws/${uniqueRoom()}`);
		a.send("slow");
		a.send("fast");
		expect(await a.next()).toBe("slow");
		expect(await a.next()).toBe("slow,fast");
	});
});

describe("a service that cannot start", () => {
	it("closes connecting clients with 1011 and a reason that says why", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const a = await connect(`/s/test-broken/ws/${uniqueRoom()}`);
		const { code, reason } = await a.closed;
		expect(code).toBe(1011);
		expect(reason).toBe("service failed to start: the database URL is missing");
	});
});
