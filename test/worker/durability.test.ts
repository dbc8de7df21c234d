/**
 * The `durability` setting: strict by default, "relaxed" on request, anything else refused at
 * start with the service's name. A relaxed room behaves like a strict one while it runs (the
 * difference only shows in a crash: see test/e2e/durability.test.ts); in particular a reload
 * from storage sees the writes it has gathered but not yet flushed.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { defineServices } from "../../src/registry.ts";
import { resolveSettings } from "../../src/settings.ts";
import { connect, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

class Empty {}

describe("durability setting", () => {
	it("is strict unless a service asks for relaxed", () => {
		expect(resolveSettings("a").durability).toBe("strict");
		expect(resolveSettings("a", { durability: "relaxed" }).durability).toBe("relaxed");
	});

	it("refuses an unknown value, naming the service and the choices", () => {
		const services = { sloppy: { implementation: Empty, durability: "eventually" as "relaxed" } };
		expect(() => defineServices({ default: "sloppy", services })).toThrow(
			'Service "sloppy" has durability "eventually"; use "strict" (the default) or "relaxed".',
		);
	});
});

describe("a relaxed room", () => {
	it("reloads from storage with the writes it had not flushed yet", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const a = await connect(`/s/test-shaky-relaxed/ws/${uniqueRoom()}`);
		a.send("inc");
		a.send("inc");
		expect([await a.next(), await a.next()]).toEqual(["count 1", "count 2"]);
		// The failed event's rollback fails too: the service is loaded from storage.
		a.send("break");
		a.send("inc");
		expect(await a.next()).toBe("count 3");
	});
});

describe("a strict room answering a burst", () => {
	it("answers every message in order, and a reload from storage sees every event it answered", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const a = await connect(`/s/test-shaky/ws/${room}`);
		const b = await connect(`/s/test-shaky/ws/${room}`);
		// Sent at once: later events find the first one's commit in flight, and are committed together.
		for (let index = 0; index < 30; index++) a.send("inc");
		// The failed event's rollback fails too: the service is loaded from storage, which must
		// hold all 30 events answered before it.
		a.send("break");
		a.send("inc");
		const expected = [...Array.from({ length: 30 }, (_, index) => `count ${index + 1}`), "count 31"];
		const heard = async (client: typeof a) => {
			const frames: unknown[] = [];
			for (const _ of expected) frames.push(await client.next());
			return frames;
		};
		expect(await heard(a)).toEqual(expected);
		expect(await heard(b)).toEqual(expected);
	});
});
