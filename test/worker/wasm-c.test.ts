/**
 * What is specific to the C guests (guests/c: clang + wasi-libc, built as WASI reactors): the
 * host must call `_initialize`, which runs the C constructors, before anything else, in every
 * instance it makes; and what the guest writes to stderr through wasi-libc goes out through the
 * host's `fd_write` into the room's log. The upstream behaviour itself is in contract.test.ts.
 */
import { evictDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import cCounter from "../../build/wasm/c-counter.wasm";
import { budgetImports, WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

let errors: MockInstance<typeof console.error>;
beforeEach(() => {
	errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
	vi.restoreAllMocks();
});

/** The lines logged through console.error so far. */
const logged = () => errors.mock.calls.map((call) => call.map(String).join(" "));

describe("a C guest in a room", () => {
	it("runs its constructors in _initialize, and its stderr reaches the room's log through fd_write", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/c-echo/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		expect(logged()).toContain(
			`[stateroom] service "c-echo", room "${room}" (stderr): c-echo: constructors ran in _initialize`,
		);
	});

	it("after eviction, the woken instance runs _initialize again and the stored heap is laid over it", async () => {
		const room = uniqueRoom();
		const started = `[stateroom] service "c-counter", room "${room}" (stderr): c-counter: constructors ran in _initialize`;
		const a = await connect(`/s/c-counter/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		expect(logged().filter((line) => line === started)).toHaveLength(1);
		await evictDurableObject(roomStub("c-counter", room));
		a.send("increment");
		// The counter lives in a calloc'd block: dlmalloc's state and the block came back with the pages.
		expect(await a.next()).toBe("new value: 2");
		expect(logged().filter((line) => line === started)).toHaveLength(2);
	});
});

describe("a C guest driven by hand", () => {
	/** Instantiates c-counter with its own imports; collects what it sends and writes to stderr. */
	async function instantiate() {
		const sent: string[] = [];
		let stderr = "";
		let memory: WebAssembly.Memory | undefined;
		const bytes = (ptr: number, len: number) => new Uint8Array((memory as WebAssembly.Memory).buffer, ptr, len);
		const imports = {
			...budgetImports(WASM_LIMIT_DEFAULTS),
			env: {
				stateroom_send: (ptr: number, len: number) => {
					// Message { Broadcast, Text }: 4 + 4 + 4 + 8 bytes before the text.
					sent.push(new TextDecoder().decode(bytes(ptr + 20, len - 20)));
				},
			},
			wasi_snapshot_preview1: {
				fd_write: (fd: number, iovs: number, count: number, written: number) => {
					const view = new DataView((memory as WebAssembly.Memory).buffer);
					let total = 0;
					for (let index = 0; index < count; index++) {
						const ptr = view.getUint32(iovs + index * 8, true);
						const len = view.getUint32(iovs + index * 8 + 4, true);
						if (fd === 2) stderr += new TextDecoder().decode(bytes(ptr, len));
						total += len;
					}
					view.setUint32(written, total, true);
					return 0;
				},
				fd_close: () => 52,
				fd_seek: () => 52,
			},
		};
		const instance = await WebAssembly.instantiate(cCounter, imports);
		memory = instance.exports.memory as WebAssembly.Memory;
		const exports = instance.exports as {
			_initialize(): void;
			stateroom_malloc(size: number): number;
			stateroom_recv(ptr: number, len: number): void;
			stateroom_free(ptr: number, len: number): void;
		};
		const deliver = (event: number[]) => {
			const ptr = exports.stateroom_malloc(event.length);
			bytes(ptr, event.length).set(event);
			exports.stateroom_recv(ptr, event.length);
			exports.stateroom_free(ptr, event.length);
		};
		return { exports, deliver, sent, stderr: () => stderr };
	}

	/** Bytes from hex, spaces ignored, as docs/abi.md writes events. */
	const hex = (text: string) =>
		Array.from(text.replaceAll(" ", "").match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
	const INIT = hex("00000000");
	/** Message { sender: 1, Text("increment") } */
	const INCREMENT = hex("03000000 01000000 01000000 0900000000000000 696e6372656d656e74");

	it("traps with an explanation on stderr if the host skipped _initialize", async () => {
		const guest = await instantiate();
		expect(() => guest.deliver(INIT)).toThrow(WebAssembly.RuntimeError);
		expect(guest.stderr()).toBe("c-counter: stateroom_recv before _initialize: the host must call _initialize first\n");
		expect(guest.sent).toEqual([]);
	});

	it("works once _initialize has run its constructors", async () => {
		const guest = await instantiate();
		guest.exports._initialize();
		expect(guest.stderr()).toBe("c-counter: constructors ran in _initialize\n");
		guest.deliver(INIT);
		guest.deliver(INCREMENT);
		guest.deliver(INCREMENT);
		expect(guest.sent).toEqual(["new value: 1", "new value: 2"]);
	});
});
