/**
 * The AssemblyScript services (build/wasm/as-*.wasm, built by `npm run build:wasm`) checked
 * against the ABI document (docs/abi.md) with a minimal Node host: exports, byte-exact commands, traps on
 * bad input, and resuming from saved memory + exported mutable globals in a fresh instance.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Command, TestGuest, wasmPath } from "./guest.ts";

const text = (value: string) => ({ text: value });
const say = (from: number, value: string) => ({ from, message: text(value) });

describe("AssemblyScript modules follow the ABI", () => {
	it.each(["as-counter", "as-echo", "as-clock"])("%s exports what a host requires and imports only the ABI", (name) => {
		const module = new WebAssembly.Module(readFileSync(wasmPath(name)));
		const exports = new Map(WebAssembly.Module.exports(module).map((entry) => [entry.name, entry.kind]));
		expect(exports.get("memory")).toBe("memory");
		for (const fn of ["stateroom_malloc", "stateroom_free", "stateroom_recv"]) expect(exports.get(fn)).toBe("function");
		const imports = WebAssembly.Module.imports(module).map((entry) => `${entry.module}.${entry.name}`);
		// The ABI's functions, and the budget the meter adds (stateroom_meter's globals).
		for (const entry of imports) {
			expect(entry).toMatch(
				/^(env\.stateroom_send|wasi_snapshot_preview1\.\w+|stateroom_meter\.(fuel|memory_limit_bytes))$/,
			);
		}

		// The version globals are immutable and hold addresses of the 4-byte values 1 and 0.
		const guest = TestGuest.load(name);
		const view = new DataView(guest.memory().buffer);
		const version = guest.exports.STATEROOM_API_VERSION as WebAssembly.Global;
		const protocol = guest.exports.STATEROOM_API_PROTOCOL as WebAssembly.Global;
		expect(() => {
			version.value = 0;
		}).toThrow(TypeError);
		expect(view.getUint32(version.value as number, true)).toBe(1);
		expect(view.getUint32(protocol.value as number, true)).toBe(0);
	});

	it("allocates nothing for a zero-byte event and frees it as a no-op", () => {
		const guest = TestGuest.load("as-counter");
		const { stateroom_malloc, stateroom_free } = guest.exports as Record<string, (...args: number[]) => number>;
		expect(stateroom_malloc?.(0)).toBe(0);
		expect(() => stateroom_free?.(0, 0)).not.toThrow();
	});
});

describe("as-counter", () => {
	it("counts increments and decrements and broadcasts every new value", () => {
		const guest = TestGuest.load("as-counter");
		expect(guest.run({ init: true })).toEqual([]);
		expect(guest.run(say(1, "increment"))).toEqual([{ to: "broadcast", message: text("new value: 1") }]);
		expect(guest.run(say(2, "increment"))).toEqual([{ to: "broadcast", message: text("new value: 2") }]);
		expect(guest.run(say(1, "decrement"))).toEqual([{ to: "broadcast", message: text("new value: 1") }]);
		expect(guest.run(say(1, "hello"))).toEqual([{ to: "broadcast", message: text("new value: 1") }]);
		for (let i = 0; i < 3; i++) guest.run(say(1, "decrement"));
		expect(guest.run(say(1, "hello"))).toEqual([{ to: "broadcast", message: text("new value: -2") }]);
	});

	it("ignores binary messages", () => {
		const guest = TestGuest.load("as-counter");
		guest.run({ init: true });
		expect(guest.run({ from: 1, message: { bytes: [1, 2, 3] } })).toEqual([]);
	});

	it("resumes at 3 in a fresh instance from memory and exported mutable globals", () => {
		const first = TestGuest.load("as-counter");
		first.run({ init: true });
		for (let i = 0; i < 3; i++) first.run(say(1, "increment"));
		const snapshot = first.snapshot();
		// The allocator and GC state live in globals, which the SDK's transform exports.
		expect([...snapshot.globals.keys()]).toContain("stateroom_state:~lib/rt/tlsf/ROOT");

		const second = TestGuest.load("as-counter");
		second.restore(snapshot);
		expect(second.run(say(1, "increment"))).toEqual([{ to: "broadcast", message: text("new value: 4") }]);
	});
});

describe("as-echo", () => {
	it("greets the client, broadcasts what it says and who left, byte for byte like upstream", () => {
		const guest = TestGuest.load("as-echo");
		guest.run({ init: true });
		expect(guest.run({ connect: 7 })).toEqual([{ to: { client: 7 }, message: text("User ClientId(7) connected.") }]);
		expect(guest.run(say(7, "hi"))).toEqual([{ to: "broadcast", message: text("User ClientId(7) sent 'hi'") }]);
		expect(guest.run({ from: 7, message: { bytes: [104, 105] } })).toEqual([]);
		expect(guest.run({ disconnect: 7 })).toEqual([{ to: "broadcast", message: text("User ClientId(7) left.") }]);
	});

	it("round-trips non-ASCII text as UTF-8", () => {
		const guest = TestGuest.load("as-echo");
		guest.run({ init: true });
		expect(guest.run(say(1, "héllo 🌍 ✓"))).toEqual([
			{ to: "broadcast", message: text("User ClientId(1) sent 'héllo 🌍 ✓'") },
		]);
	});

	it("traps, and says why on stderr, when an event is truncated", () => {
		const guest = TestGuest.load("as-echo");
		guest.run({ init: true });
		// Message { sender: 1, Text } whose length prefix promises 200 bytes that are not there.
		const truncated = new Uint8Array([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 104, 105]);
		expect(() => guest.run(truncated)).toThrow(WebAssembly.RuntimeError);
		expect(guest.stderr.join("")).toMatch(/aborted: bincode: a 200-byte field runs past the end of the event/);
	});
});

describe("as-clock", () => {
	it("sets a 4000 ms timer on init and ticks `Timer @ N`, re-arming each time", () => {
		const guest = TestGuest.load("as-clock");
		expect(guest.run({ init: true })).toEqual([{ setTimer: 4000 }]);
		expect(guest.run({ timer: true })).toEqual([{ to: "broadcast", message: text("Timer @ 0") }, { setTimer: 4000 }]);
		expect(guest.run({ timer: true })).toEqual([{ to: "broadcast", message: text("Timer @ 1") }, { setTimer: 4000 }]);
	});
});

describe("the SDK's API (fixture sdk/assemblyscript/test/probe.ts)", () => {
	const probe = () => {
		const guest = TestGuest.load("as-probe", "fixtures");
		expect(guest.run({ init: true })).toEqual([]);
		return guest;
	};

	it("addresses one client, everyone but one, and everyone", () => {
		const guest = probe();
		expect(guest.run({ connect: 5 })).toEqual([
			{ to: { client: 5 }, message: text("you are ClientId(5)") },
			{ to: { everyoneExcept: 5 }, message: text("guest-5 joined") },
		]);
		expect(guest.run(say(5, "hello"))).toEqual([{ to: "broadcast", message: text("hello") }]);
		expect(guest.run({ disconnect: 5 })).toEqual([{ to: { everyoneExcept: 5 }, message: text("guest-5 left") }]);
	});

	it("encodes recipients and payloads exactly as the ABI's examples", () => {
		const guest = probe();
		const sent: Uint8Array[] = [];
		guest.onRawCommand = (bytes) => sent.push(bytes);
		guest.run({ connect: 5 });
		guest.run(say(5, "x"));
		const hex = sent.map((bytes) => Buffer.from(bytes).toString("hex"));
		// Message { Client(5), Text("you are ClientId(5)") }, then EveryoneExcept(5), then Broadcast Text("x").
		expect(hex[0]?.startsWith("00000000" + "01000000" + "05000000" + "01000000" + "1300000000000000")).toBe(true);
		expect(hex[1]?.startsWith("00000000" + "02000000" + "05000000" + "01000000")).toBe(true);
		expect(hex[2]).toBe("00000000" + "00000000" + "01000000" + "0100000000000000" + "78");
	});

	it("sends Uint8Array and ArrayBuffer as bytes, and passes a received payload back out", () => {
		const guest = probe();
		expect(guest.run(say(2, "bytes"))).toEqual([{ to: { client: 2 }, message: { bytes: [0xc3, 0xa9] } }]);
		expect(guest.run(say(2, "buffer"))).toEqual([{ to: { client: 2 }, message: { bytes: [97, 98] } }]);
		expect(guest.run({ from: 2, message: { bytes: [0, 255, 7] } })).toEqual([
			{ to: { client: 2 }, message: { bytes: [0, 255, 7] } },
		]);
		expect(guest.run({ from: 2, message: { bytes: [] } })).toEqual([{ to: { client: 2 }, message: { bytes: [] } }]);
	});

	it("sets a zero timer, and seeds Math.random from WASI", () => {
		const guest = probe();
		expect(guest.run(say(1, "timer"))).toEqual([{ setTimer: 0 }]);
		expect(guest.run({ timer: true })).toEqual([{ to: "broadcast", message: text("timer, 0 connected") }]);
		expect(guest.run(say(1, "random"))).toEqual([{ to: { client: 1 }, message: text("true") }]);
	});

	it("traps on a throw with the service's message on stderr", () => {
		const guest = probe();
		guest.run({ connect: 3 });
		expect(() => guest.run(say(3, "throw"))).toThrow(WebAssembly.RuntimeError);
		expect(guest.stderr.join("")).toMatch(
			/^AssemblyScript service aborted: asked to throw by guest-3 at sdk\/assemblyscript\/test\/probe\.ts:\d+:\d+\n$/,
		);
	});

	it("resumes in the middle of a garbage collection cycle and goes on exactly as the original", () => {
		// A growing live heap makes the incremental GC's mark and sweep phases span events; the
		// snapshot is taken after an event that left a cycle unfinished (GC state not idle).
		const keep = (i: number) => say(1, `keep ${i} ${"y".repeat(i % 50)}`);
		const gcState = (guest: TestGuest) =>
			(guest.exports["stateroom_state:~lib/rt/itcms/state"] as WebAssembly.Global).value;
		const original = probe();
		let i = 0;
		do original.run(keep(i++));
		while (gcState(original) === 0 && i < 10_000);
		expect(gcState(original)).not.toBe(0);
		const restored = TestGuest.load("as-probe", "fixtures");
		restored.restore(original.snapshot());
		for (const end = i + 600; i < end; i++) {
			const expected: Command[] = original.run(keep(i));
			expect(restored.run(keep(i))).toEqual(expected);
		}
		expect(restored.memory()).toEqual(original.memory());
	});

	it("keeps a Map across a restore into a fresh instance", () => {
		const original = probe();
		original.run({ connect: 1 });
		original.run({ connect: 2 });
		const restored = TestGuest.load("as-probe", "fixtures");
		restored.restore(original.snapshot());
		expect(restored.run({ disconnect: 1 })).toEqual([{ to: { everyoneExcept: 1 }, message: text("guest-1 left") }]);
		expect(restored.run({ timer: true })).toEqual([{ to: "broadcast", message: text("timer, 1 connected") }]);
	});
});
