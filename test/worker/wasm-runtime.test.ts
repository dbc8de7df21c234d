/**
 * What a misbehaving guest does to a room: the scripted WAT fixture (test/fixtures/wat/
 * scripted.wat) traps, sends garbage, exits, grows memory and calls WASI on command. Each
 * failed event is logged and rolled back (its messages discarded), and the room keeps serving.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { connect, type Frame, type TestSocket, uniqueRoom } from "./socket.ts";

/** The scripted guest replies with binary frames of little-endian u32s. */
function u32s(frame: Frame): number[] {
	if (typeof frame === "string") throw new Error(`expected a binary frame, got text ${JSON.stringify(frame)}`);
	const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
	return Array.from({ length: frame.byteLength / 4 }, (_, index) => view.getUint32(index * 4, true));
}

let errors: MockInstance<typeof console.error>;
beforeEach(() => {
	errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
	vi.restoreAllMocks();
});

/** Every line logged through console.error so far, joined. */
const logged = () => errors.mock.calls.map((call) => call.map(String).join(" ")).join("\n");

async function scripted(): Promise<{ client: TestSocket; room: string }> {
	const room = uniqueRoom();
	return { client: await connect(`/s/wasm-scripted/ws/${room}`), room };
}

describe("a trap in stateroom_recv", () => {
	it("rolls back to the state after the last good event and discards the event's messages", async () => {
		const { client } = await scripted();
		client.send("c");
		expect(u32s(await client.next())).toEqual([1, 1]);
		client.send("c");
		expect(u32s(await client.next())).toEqual([2, 2]);
		// "t" counts (memory and global to 3) and replies, then traps: all of it is undone.
		client.send("t");
		client.send("c");
		expect(u32s(await client.next())).toEqual([3, 3]);
		expect(logged()).toContain("the message event from client 1 failed and was rolled back");
		expect(logged()).toContain('service "wasm-scripted", room "');
		expect(logged()).toContain("stateroom_recv trapped: unreachable");
	});

	it("undoes memory growth: the rebuilt instance has the checkpoint's size", async () => {
		const { client } = await scripted();
		client.send("G");
		client.send("r");
		expect(u32s(await client.next())).toEqual([1, 0]);
		client.send("g");
		expect(u32s(await client.next())).toEqual([1]);
		client.send("G");
		client.send("r");
		expect(u32s(await client.next())).toEqual([2, 0]);
	});
});

describe("commands the host refuses", () => {
	it.each([
		["o", "stateroom_send was given 100 bytes at address 4294967040, outside the guest's memory (65536 bytes)"],
		["v", "malformed command (MessageFromProcess) at byte 0: unknown variant 7 (expected 0 Message, 1 SetTimer)"],
		["u", "malformed command (MessageFromProcess) at byte 12: the text claims 5 bytes but only 2 follow (truncated)"],
		["8", "malformed command (MessageFromProcess) at byte 20: the Text payload is not valid UTF-8 (2 bytes)"],
		["p", "malformed command (MessageFromProcess) at byte 4: unknown MessageRecipient variant 9"],
		["s", "malformed command (MessageFromProcess) at byte 4: the timer delay needs 4 bytes but only 0 remain"],
		["x", "the guest called proc_exit(3); a Stateroom service must not exit"],
		["a", "the guest aborted: boom at f.ts:7:3"],
	])("%s fails the event with a clear error, and the room keeps serving", async (op, message) => {
		const { client, room } = await scripted();
		client.send("c");
		expect(u32s(await client.next())).toEqual([1, 1]);
		client.send(op);
		client.send("c");
		expect(u32s(await client.next())).toEqual([2, 2]);
		expect(logged()).toContain(
			`service "wasm-scripted", room "${room}": ${op === "x" ? "stateroom_recv trapped: " : ""}`,
		);
		expect(logged()).toContain(message);
	});
});

describe("allocations", () => {
	it("fails the event when stateroom_malloc answers an address outside memory", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/wasm-huge-malloc/ws/${room}`);
		client.send("hello");
		expect(await client.quiet(200)).toEqual([]);
		expect(logged()).toContain(
			`service "wasm-huge-malloc", room "${room}": stateroom_malloc returned address 4294967280 for 8 bytes, outside the guest's memory (65536 bytes)`,
		);
	});

	it("fails the event when stateroom_malloc answers the null pointer", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/wasm-null-malloc/ws/${room}`);
		client.send("hello");
		expect(await client.quiet(200)).toEqual([]);
		expect(logged()).toContain(
			`service "wasm-null-malloc", room "${room}": stateroom_malloc returned address 0 for 8 bytes: address 0 is the null pointer (did an allocation fail?)`,
		);
	});

	it("lets a guest see memory.grow fail (-1) and carry on", async () => {
		const { client } = await scripted();
		client.send("m");
		expect(u32s(await client.next())).toEqual([0xffff_ffff]);
		client.send("c");
		expect(u32s(await client.next())).toEqual([1, 1]);
	});
});

describe("WASI", () => {
	it("gives real clocks and randomness, no environment, ENOSYS for the rest, and logs stdout", async () => {
		const logs = vi.spyOn(console, "log").mockImplementation(() => {});
		const { client, room } = await scripted();
		const before = BigInt(Date.now()) * 1_000_000n;
		client.send("w");
		const frame = await client.next();
		const after = BigInt(Date.now()) * 1_000_000n;
		if (typeof frame === "string") throw new Error("expected bytes");
		const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
		const time = view.getBigUint64(0, true);
		expect(time >= before - 1_000_000_000n && time <= after + 1_000_000_000n).toBe(true);
		const [, , , , fdClose, environCount, environSize, environErrno, , , written, writeErrno, clockErrno] = u32s(frame);
		expect({ fdClose, environCount, environSize, environErrno, written, writeErrno, clockErrno }).toEqual({
			fdClose: 52,
			environCount: 0,
			environSize: 0,
			environErrno: 0,
			written: 15,
			writeErrno: 0,
			clockErrno: 0,
		});
		expect(frame.subarray(8, 16)).not.toEqual(new Uint8Array(8));
		expect(logs.mock.calls.map((call) => call.join(" "))).toContain(
			`[stateroom] service "wasm-scripted", room "${room}" (stdout): hello from wat`,
		);
	});
});

describe("recipients", () => {
	it("delivers Client to that client only, EveryoneExcept to all others, and drops messages to absent clients", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/wasm-scripted/ws/${room}`);
		const b = await connect(`/s/wasm-scripted/ws/${room}`);
		const c = await connect(`/s/wasm-scripted/ws/${room}`);
		b.send("e");
		expect(await a.next()).toBe("e");
		expect(await c.next()).toBe("e");
		b.send("k");
		expect(await b.next()).toBe("k");
		b.send("n");
		expect([await a.quiet(), await b.quiet(), await c.quiet()]).toEqual([[], [], []]);
		expect(logged()).not.toContain("failed");
	});
});
