/**
 * A WebAssembly room keeps its guest's memory and exported mutable globals through eviction,
 * and storage receives only the 64 KiB pages that an event changed.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import scriptedModule from "../../build/fixtures/scripted.wasm";
import untrackedModule from "../../build/fixtures/untracked.wasm";
import rustCounter from "../../build/wasm/rust-counter.wasm";
import { ClientId } from "../../src/api/client-id.ts";
import { MessagePayload } from "../../src/api/payload.ts";
import type { Effects, Engine, ServiceEvent } from "../../src/engine.ts";
import { budgetImports, WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { wasmEngine } from "../../src/wasm/module-engine.ts";
import { connect, type Frame, frameWords, roomStub, uniqueRoom } from "./socket.ts";

const u32s = (frame: Frame) => frameWords(frame, false);

/** The room's stored engine keys (under "state/"), with their values. */
function storedState(service: string, room: string): Promise<Map<string, unknown>> {
	return runInDurableObject(roomStub(service, room), (_instance, state) => state.storage.list({ prefix: "state/" }));
}

describe("eviction", () => {
	it("rust-counter at 3, evicted with clients connected, answers the next increment with new value: 4", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/rust-counter/ws/${room}`);
		const b = await connect(`/s/rust-counter/ws/${room}`);
		for (const expected of [1, 2, 3]) {
			a.send("increment");
			expect(await a.next()).toBe(`new value: ${expected}`);
			expect(await b.next()).toBe(`new value: ${expected}`);
		}
		await evictDurableObject(roomStub("rust-counter", room));
		b.send("increment");
		expect(await a.next()).toBe("new value: 4");
		expect(await b.next()).toBe("new value: 4");
	});

	it("grows memory back and restores exported mutable globals", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/wasm-scripted/ws/${room}`);
		for (const expected of [1, 2, 3]) {
			client.send("c");
			expect(u32s(await client.next())).toEqual([expected, expected]);
		}
		client.send("g");
		expect(u32s(await client.next())).toEqual([1]);
		await evictDurableObject(roomStub("wasm-scripted", room));
		// Two pages, and the counter copied into the grown page is still there.
		client.send("r");
		expect(u32s(await client.next())).toEqual([2, 3]);
		client.send("c");
		expect(u32s(await client.next())).toEqual([4, 4]);
	});

	it("stores only pages that differ from a fresh instance, plus the memory size", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/rust-counter/ws/${room}`);
		client.send("increment");
		expect(await client.next()).toBe("new value: 1");
		const stored = await storedState("rust-counter", room);
		const meta = stored.get("state/wasm/meta") as { memoryBytes: number; globals: object };
		// The build is the SHA-256 of the unmetered module; the meter's own globals are not stored.
		expect(meta).toEqual({
			format: 2,
			build: expect.stringMatching(/^[0-9a-f]{64}$/),
			memoryBytes: 17 * 65536,
			globals: {},
		});
		const pages = [...stored.keys()].filter((key) => key.startsWith("state/wasm/page/"));
		expect(pages.length).toBeGreaterThan(0);
		// Rust's 1 MiB stack and its data sit in 17 pages; a counter event touches a few of them.
		expect(pages.length).toBeLessThan(17);
		const fresh = await WebAssembly.instantiate(rustCounter, stubImports(rustCounter));
		const freshMemory = new Uint8Array((fresh.exports.memory as WebAssembly.Memory).buffer);
		for (const key of pages) {
			const index = Number(key.slice("state/wasm/page/".length));
			const page = stored.get(key) as Uint8Array;
			expect(page.byteLength).toBe(65536);
			expect(page).not.toEqual(freshMemory.slice(index * 65536, (index + 1) * 65536));
		}
	});
});

describe("checkpoints", () => {
	const room = { service: "wasm-scripted", roomId: "checkpoints" };
	const effects: Effects = { send() {}, setTimer() {} };
	const message = (text: string): ServiceEvent => ({
		kind: "message",
		client: ClientId.of(1),
		payload: MessagePayload.text(text),
	});
	async function step(engine: Engine, event: ServiceEvent): Promise<string[]> {
		await engine.run(event, effects);
		return [...engine.checkpoint().put.keys()].sort();
	}

	it("write the pages the event wrote, and the memory size and globals when they change", async () => {
		const engine = await wasmEngine("wasm-scripted", scriptedModule).create(room, new Map());
		// Every event writes page 0: the host copies the event there (the guest's malloc says where).
		expect(await step(engine, { kind: "init" })).toEqual(["wasm/meta", "wasm/page/0"]);
		expect(await step(engine, { kind: "init" })).toEqual(["wasm/page/0"]);
		// Counting changes page 0 (the counter, the event, the reply) and the exported global.
		expect(await step(engine, message("c"))).toEqual(["wasm/meta", "wasm/page/0"]);
		// Growing adds page 1 and changes the memory size.
		expect(await step(engine, message("g"))).toEqual(["wasm/meta", "wasm/page/0", "wasm/page/1"]);
		expect(await step(engine, message("r"))).toEqual(["wasm/page/0"]);
	});

	it("compare every page with a copy for a module built without dirty-page tracking", async () => {
		const engine = await wasmEngine("untracked", untrackedModule).create(room, new Map());
		expect(await step(engine, { kind: "init" })).toEqual(["wasm/meta"]);
		expect(await step(engine, message("c"))).toEqual(["wasm/meta", "wasm/page/0"]);
		expect(await step(engine, message("r"))).toEqual(["wasm/page/0"]);
		// The same read again leaves memory byte for byte as it was: nothing to write.
		expect(await step(engine, message("r"))).toEqual([]);
	});

	it("resume a fresh engine from what was written", async () => {
		const first = await wasmEngine("wasm-scripted", scriptedModule).create(room, new Map());
		const stored = new Map<string, unknown>();
		for (const event of [message("c"), message("c"), message("g")]) {
			await first.run(event, effects);
			for (const [key, value] of first.checkpoint().put) stored.set(key, value);
		}
		const second = await wasmEngine("wasm-scripted", scriptedModule).create(room, stored);
		const sent: MessagePayload[] = [];
		await second.run(message("c"), { send: (_to, payload) => sent.push(payload), setTimer() {} });
		expect(sent.map((payload) => [...(payload.bytes() ?? [])])).toEqual([[3, 0, 0, 0, 3, 0, 0, 0]]);
	});
});

/** Imports that do nothing, to look at a fresh instance's memory. */
function stubImports(module: WebAssembly.Module): WebAssembly.Imports {
	const imports: Record<string, WebAssembly.ModuleImports> = { ...budgetImports(WASM_LIMIT_DEFAULTS) };
	for (const entry of WebAssembly.Module.imports(module)) {
		if (entry.kind === "function") imports[entry.module] = { ...imports[entry.module], [entry.name]: () => 52 };
	}
	return imports;
}
