/**
 * Every memory and table a WebAssembly guest declares or grows counts against
 * `limits.maxMemoryBytes` (16 MiB by default; a table element counts 64 bytes), from its
 * first instruction: `memory.grow`, `table.grow`, the start function and `_initialize` cannot
 * take more, and a module that declares more up front is refused before it is instantiated.
 * A module with more than one memory is refused by the meter (test/e2e/build-meter.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, type Frame, frameWords, uniqueRoom } from "./socket.ts";

const i32s = (frame: Frame) => frameWords(frame, true);

afterEach(() => {
	vi.restoreAllMocks();
});

describe("memory limit", () => {
	it("fails memory.grow once the memory would pass the limit", async () => {
		const client = await connect(`/s/wasm-greedy/ws/${uniqueRoom()}`);
		// 1 page, plus 64 pages at a time: the fourth grow would make 257 pages, over 256 (16 MiB).
		for (const pages of [65, 129, 193]) {
			client.send("m");
			expect(i32s(await client.next())).toEqual([pages - 64, pages]);
		}
		client.send("m");
		expect(i32s(await client.next())).toEqual([-1, 193]);
	});

	it("caps table.grow, and counts tables and memories together", async () => {
		const tables = await connect(`/s/wasm-greedy/ws/${uniqueRoom()}`);
		// 65,536 elements count 4 MiB: three fit beside the main memory's 64 KiB, a fourth does not.
		for (const size of [65_536, 131_072, 196_608]) {
			tables.send("t");
			expect(i32s(await tables.next())).toEqual([size - 65_536, size]);
		}
		tables.send("t");
		expect(i32s(await tables.next())).toEqual([-1, 196_608]);

		const both = await connect(`/s/wasm-greedy/ws/${uniqueRoom()}`);
		for (let grows = 0; grows < 3; grows++) {
			both.send("m");
			await both.next();
		}
		// 193 pages of memory leave less than 4 MiB for the table.
		both.send("t");
		expect(i32s(await both.next())).toEqual([-1, 0]);
	});

	it("binds the start function: its memory.grow past the limit returns -1, and the room starts", async () => {
		const client = await connect(`/s/wasm-greedy-start/ws/${uniqueRoom()}`);
		client.send("r");
		expect(i32s(await client.next())).toEqual([-1, 1]);
	});

	it("binds _initialize wherever it runs (the host's ABI check included): its grow past the limit returns -1", async () => {
		// The guest traps if any instance of it was given the 32 MiB, which would fail the room's start.
		const client = await connect(`/s/wasm-greedy-initialize/ws/${uniqueRoom()}`);
		client.send("r");
		expect(i32s(await client.next())).toEqual([-1, 1]);
	});

	it("refuses, before instantiating it, a module that declares more than the limit", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-declares-too-much/ws/${uniqueRoom()}`);
		const { code, reason } = await client.closed;
		expect(code).toBe(1011);
		// 1 + 512 pages.
		expect(reason).toContain(`module declares ${513 * 65_536} bytes of memory and tables, over limits.maxMemoryBytes`);
	});
});
