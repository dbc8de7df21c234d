/** The typed emitter: listeners in order, removal, and isolation from a listener that throws. */
import { describe, expect, it } from "vitest";
import { Emitter } from "../../client/events.ts";

interface Events {
	ping: { n: number };
	other: string;
}

describe("Emitter", () => {
	it("calls listeners of that event, in the order they were added, until removed", () => {
		const emitter = new Emitter<Events>();
		const seen: string[] = [];
		const off = emitter.on("ping", ({ n }) => seen.push(`first ${n}`));
		emitter.on("ping", ({ n }) => seen.push(`second ${n}`));
		emitter.on("other", (text) => seen.push(`other ${text}`));
		emitter.emit("ping", { n: 1 });
		off();
		emitter.emit("ping", { n: 2 });
		expect(seen).toEqual(["first 1", "second 1", "second 2"]);
	});

	it("reports a throwing listener and still calls the ones after it", () => {
		const reported: unknown[] = [];
		const emitter = new Emitter<Events>((error) => reported.push(error));
		const seen: number[] = [];
		emitter.on("ping", () => {
			throw new Error("listener bug");
		});
		emitter.on("ping", ({ n }) => seen.push(n));
		emitter.emit("ping", { n: 7 });
		expect(seen).toEqual([7]);
		expect(reported).toEqual([new Error("listener bug")]);
	});

	it("a listener added during an emit is not called by that emit", () => {
		const emitter = new Emitter<Events>();
		const seen: string[] = [];
		emitter.on("other", () => {
			emitter.on("other", (text) => seen.push(`late ${text}`));
		});
		emitter.emit("other", "a");
		expect(seen).toEqual([]);
		emitter.emit("other", "b");
		expect(seen).toEqual(["late b"]);
	});
});
