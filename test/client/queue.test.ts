/** The send queue: order, both bounds, refusal without losing what is queued, copies of bytes. */
import { describe, expect, it } from "vitest";
import { SendQueue } from "../../client/queue.ts";

describe("SendQueue", () => {
	it("drains in the order messages were pushed, then is empty", () => {
		const queue = new SendQueue();
		queue.push("a");
		queue.push(new Uint8Array([1, 2]));
		queue.push("b");
		expect(queue.drain()).toEqual(["a", new Uint8Array([1, 2]), "b"]);
		expect([queue.size, queue.bytes]).toEqual([0, 0]);
		expect(queue.drain()).toEqual([]);
	});

	it("refuses the message that would pass maxMessages and keeps the ones before it", () => {
		const queue = new SendQueue({ maxMessages: 2 });
		expect([queue.push("1"), queue.push("2"), queue.push("3")]).toEqual([
			{ ok: true },
			{ ok: true },
			{ ok: false, reason: "messages" },
		]);
		expect(queue.drain()).toEqual(["1", "2"]);
		expect(queue.push("4")).toEqual({ ok: true });
	});

	it("counts text as UTF-8 bytes against maxBytes", () => {
		const queue = new SendQueue({ maxBytes: 6 });
		expect(queue.push("é€")).toEqual({ ok: true }); // 2 + 3 bytes
		expect(queue.bytes).toBe(5);
		expect(queue.push("ab")).toEqual({ ok: false, reason: "bytes" });
		expect(queue.push("a")).toEqual({ ok: true });
		expect(queue.bytes).toBe(6);
	});

	it("refuses a single message larger than maxBytes even when empty", () => {
		const queue = new SendQueue({ maxBytes: 3 });
		expect(queue.push(new ArrayBuffer(4))).toEqual({ ok: false, reason: "bytes" });
		expect(queue.size).toBe(0);
	});

	it("maxMessages: 0 queues nothing", () => {
		expect(new SendQueue({ maxMessages: 0 }).push("x")).toEqual({ ok: false, reason: "messages" });
	});

	it("copies bytes, so a caller reusing its buffer does not change what is sent", () => {
		const queue = new SendQueue();
		const buffer = new Uint8Array([1, 2, 3, 4]);
		queue.push(buffer.subarray(1, 3));
		buffer.fill(9);
		expect(queue.drain()).toEqual([new Uint8Array([2, 3])]);
	});

	it("rejects invalid bounds with a message that says what is allowed", () => {
		expect(() => new SendQueue({ maxBytes: -1 })).toThrow(/non-negative \(Infinity for no bound\)/);
	});
});
