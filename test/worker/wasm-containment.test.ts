/**
 * Containment of WebAssembly guests: an event that loops, recurses or grows memory past the
 * service's limits fails and rolls back, while the room, other rooms and /status serve on; a
 * room never stores more memory than its quota, whatever a client sends; a module that was not
 * metered is refused; state stored by another build of a module is never laid over it.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import containedModule from "../../build/fixtures/contained.wasm";
import scriptedModule from "../../build/fixtures/scripted.wasm";
import { ClientId } from "../../src/api/client-id.ts";
import { MessagePayload } from "../../src/api/payload.ts";
import type { Effects, ServiceEvent } from "../../src/engine.ts";
import { defineServices } from "../../src/registry.ts";
import { resolveSettings } from "../../src/settings.ts";
import { WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { wasmEngine } from "../../src/wasm/module-engine.ts";
import { captureErrors } from "./console-capture.ts";
import { BASE, connect, type Frame, frameWords, roomStub, uniqueRoom } from "./socket.ts";

const QUOTA = WASM_LIMIT_DEFAULTS.maxMemoryBytes;

const u32s = (frame: Frame) => frameWords(frame, true);

afterEach(() => {
	vi.restoreAllMocks();
});

function storedState(service: string, room: string): Promise<Map<string, unknown>> {
	return runInDurableObject(roomStub(service, room), (_instance, state) => state.storage.list({ prefix: "state/" }));
}

/** The memory a room would come back with: the size in its meta, and the bytes of its stored pages. */
async function storedMemory(service: string, room: string): Promise<{ memoryBytes: number; pageBytes: number }> {
	const stored = await storedState(service, room);
	const meta = stored.get("state/wasm/meta") as { memoryBytes: number } | undefined;
	let pageBytes = 0;
	for (const [key, value] of stored)
		if (key.startsWith("state/wasm/page/")) pageBytes += (value as Uint8Array).byteLength;
	return { memoryBytes: meta?.memoryBytes ?? 0, pageBytes };
}

describe("fuel", () => {
	it("a loop without host calls fails its event; the room, another room and /status serve on", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const looping = await connect(`/s/wasm-contained/ws/${room}`);
		looping.send("c");
		expect(u32s(await looping.next())).toEqual([1]);
		looping.send("l");
		// Queued behind the loop in this isolate: all of them are answered once its fuel runs out.
		const other = await connect(`/s/wasm-contained/ws/${uniqueRoom()}`);
		other.send("c");
		const status = await exports.default.fetch(`${BASE}/status`);
		expect(await status.text()).toBe("ok");
		expect(u32s(await other.next(10_000))).toEqual([1]);
		await vi.waitFor(() => expect(logged()).toContain("used its fuel budget"), { timeout: 10_000 });
		expect(logged()).toContain(
			`service "wasm-contained", room "${room}": stateroom_recv used its fuel budget of ${WASM_LIMIT_DEFAULTS.fuelPerEvent} per event`,
		);
		expect(logged()).toContain("raise limits.fuelPerEvent");
		// The looping room rolled back to before the loop and serves on.
		looping.send("c");
		expect(u32s(await looping.next(10_000))).toEqual([2]);
	}, 30_000);

	it("endless recursion fails its event, and the room serves on", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-contained/ws/${uniqueRoom()}`);
		client.send("f");
		await vi.waitFor(() => expect(logged()).toContain("the message event from client 1 failed"), { timeout: 10_000 });
		client.send("c");
		expect(u32s(await client.next(10_000))).toEqual([1]);
	}, 20_000);
});

describe("per-service limits", () => {
	it("are checked when the services are declared", () => {
		const declare = (settings: object) =>
			defineServices({ default: "x", services: { x: { implementation: containedModule, ...settings } } });
		expect(() => declare({ limits: { fuelPerEvent: 0 } })).toThrow(
			'Service "x": limits.fuelPerEvent is 0; use a whole number from 1',
		);
		expect(() => declare({ limits: { maxMemoryBytes: 1000 } })).toThrow("limits.maxMemoryBytes is 1000");
		expect(() => declare({ onModuleChange: "keep" })).toThrow('onModuleChange is "keep"; use "refuse" or "reset"');
		expect(resolveSettings("x")).toMatchObject({
			limits: { fuelPerEvent: 200_000_000, maxMemoryBytes: 16 * 1024 * 1024 },
			onModuleChange: "refuse",
		});
	});

	it("a service's own fuelPerEvent and maxMemoryBytes apply to its rooms", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-contained-tight/ws/${uniqueRoom()}`);
		// 1 MiB is 16 pages: the first grow by 64 pages already fails.
		client.send("B");
		expect(u32s(await client.next())).toEqual([-1, 1]);
		client.send("l");
		await vi.waitFor(() => expect(logged()).toContain("used its fuel budget of 100000 per event"));
		client.send("c");
		expect(u32s(await client.next())).toEqual([1]);
	});
});

describe("memory quota", () => {
	it("a module that declares more memory than the limit is refused before it runs, and the reason names the limit", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-rust-counter-tight/ws/${uniqueRoom()}`);
		const { code, reason } = await client.closed;
		expect(code).toBe(1011);
		// 17 pages of memory (1,114,112 bytes) and a table of 93 elements at 64 bytes each.
		expect(reason).toContain("module declares 1120064 bytes of memory and tables, over limits.maxMemoryBytes");
	});

	it("memory.grow past the quota returns -1 to the guest", async () => {
		const client = await connect(`/s/wasm-contained/ws/${uniqueRoom()}`);
		// 1 page, then 64 pages (4 MiB) at a time: the fourth grow would pass 256 pages (16 MiB).
		for (const pages of [1, 65, 129, 193]) {
			client.send("B");
			const [old, size] = u32s(await client.next());
			if (size === 257) throw new Error("grew past the quota");
			expect([old, size]).toEqual(pages === 193 ? [-1, 193] : [pages, pages + 64]);
		}
	});

	it("a guest that traps when it cannot grow fails that event; the stored memory stays within the quota", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const client = await connect(`/s/wasm-contained/ws/${room}`);
		for (const old of [1, 65, 129]) {
			client.send("b");
			expect(u32s(await client.next())).toEqual([old]);
		}
		client.send("b");
		await vi.waitFor(() => expect(logged()).toContain("the message event from client 1 failed"));
		client.send("r");
		expect(u32s(await client.next())).toEqual([193, 0]);
		const stored = await storedMemory("wasm-contained", room);
		expect(stored.memoryBytes).toBe(193 * 65536);
		expect(stored.memoryBytes).toBeLessThanOrEqual(QUOTA);
		expect(stored.pageBytes).toBeLessThanOrEqual(QUOTA);
	}, 20_000);

	for (const service of ["rust-echo", "c-echo", "as-echo"]) {
		it(`a huge frame to ${service} fails its event and cannot make the room store more than its quota`, async () => {
			const logged = captureErrors();
			const room = uniqueRoom();
			const client = await connect(`/s/${service}/ws/${room}`);
			await client.quiet(100); // a greeting, if the echo sends one
			// 8 MiB of text: each echo guest holds it several times over (event, string, reply).
			client.send("x".repeat(8 * 1024 * 1024));
			await vi.waitFor(() => expect(logged()).toContain("the message event from client 1 failed"), {
				timeout: 10_000,
			});
			const stored = await storedMemory(service, room);
			expect(stored.memoryBytes).toBeLessThanOrEqual(QUOTA);
			expect(stored.pageBytes).toBeLessThanOrEqual(QUOTA);
			// The room serves on, from the state before the frame.
			client.send("hello");
			expect(String(await client.next(10_000))).toContain("hello");
			await evictDurableObject(roomStub(service, room));
			client.send("again");
			expect(String(await client.next(10_000))).toContain("again");
		}, 30_000);
	}
});

describe("metering", () => {
	it("a module that was not metered is refused with the fix", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-unmetered/ws/${uniqueRoom()}`);
		const { code, reason } = await client.closed;
		expect(code).toBe(1011);
		expect(reason).toContain('module "wasm-unmetered" is not metered; run `npm run build:wasm`');
	});

	it("a module that only says it is metered (a meter section this project's meter did not sign) is refused", async () => {
		// forged.wat exports the fuel global and carries a meter section written by hand: the host
		// would otherwise run it without fuel, and it would answer "unbounded".
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-forged/ws/${uniqueRoom()}`);
		client.send("hello");
		const { code, reason } = await client.closed;
		expect(code).toBe(1011);
		expect(reason).toContain(`module "wasm-forged" is not signed by this project's meter`);
	});
});

describe("module identity", () => {
	const room = { service: "wasm-contained", roomId: "identity" };
	const effects: Effects = { send() {}, setTimer() {} };

	const message = (text: string): ServiceEvent => ({
		kind: "message",
		client: ClientId.of(1),
		payload: MessagePayload.text(text),
	});

	/** The storage of a room after these messages to `module`. */
	async function storedBy(module: WebAssembly.Module, texts: string[]): Promise<Map<string, unknown>> {
		const engine = await wasmEngine(room.service, module).create(room, new Map());
		const stored = new Map<string, unknown>();
		for (const text of texts) {
			await engine.run(message(text), effects);
			for (const [key, value] of engine.checkpoint().put) stored.set(key, value);
		}
		return stored;
	}

	it("the same build resumes; another build is refused with the fix", async () => {
		const stored = await storedBy(containedModule, ["c", "c"]);
		const sent: MessagePayload[] = [];
		const same = await wasmEngine(room.service, containedModule).create(room, stored);
		await same.run(message("c"), { send: (_to, payload) => sent.push(payload), setTimer() {} });
		expect([...(sent[0]?.bytes() ?? [])]).toEqual([3, 0, 0, 0]);
		await expect(wasmEngine(room.service, scriptedModule).create(room, stored)).rejects.toThrow(
			'room state is from another module build; use a new room or set onModuleChange: "reset"',
		);
	});

	it('with onModuleChange: "reset", another build starts afresh and deletes the old state', async () => {
		vi.spyOn(console, "warn").mockImplementation(() => {});
		// Counted, and grown by a page that the new build will not write.
		const stored = await storedBy(scriptedModule, ["c", "g"]);
		expect([...stored.keys()].sort()).toEqual(["wasm/meta", "wasm/page/0", "wasm/page/1"]);
		const limits = { ...WASM_LIMIT_DEFAULTS, onModuleChange: "reset" as const };
		const engine = await wasmEngine(room.service, containedModule, limits).create(room, stored);
		const sent: MessagePayload[] = [];
		await engine.run(message("c"), { send: (_to, payload) => sent.push(payload), setTimer() {} });
		expect([...(sent[0]?.bytes() ?? [])]).toEqual([1, 0, 0, 0]);
		const writes = engine.checkpoint();
		expect([...writes.put.keys()].sort()).toEqual(["wasm/meta", "wasm/page/0"]);
		expect((writes.put.get("wasm/meta") as { build: string }).build).not.toBe(
			(stored.get("wasm/meta") as { build: string }).build,
		);
		expect(writes.delete).toEqual(["wasm/page/1"]);
	});

	/** Counts twice in a new room of `service`, then rewrites its stored build as if the module had been rebuilt since. */
	async function roomOfAnotherBuild(service: string): Promise<string> {
		const id = uniqueRoom();
		const client = await connect(`/s/${service}/ws/${id}`);
		for (const expected of [1, 2]) {
			client.send("c");
			expect(u32s(await client.next())).toEqual([expected]);
		}
		client.close();
		await runInDurableObject(roomStub(service, id), async (_instance, state) => {
			const meta = (await state.storage.get("state/wasm/meta")) as Record<string, unknown>;
			await state.storage.put("state/wasm/meta", { ...meta, build: "0".repeat(64) });
		});
		await evictDurableObject(roomStub(service, id));
		return id;
	}

	it("a room whose stored state came from another build closes with 1011 and names the fix", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const id = await roomOfAnotherBuild("wasm-contained");
		const again = await connect(`/s/wasm-contained/ws/${id}`);
		const { code, reason } = await again.closed;
		expect(code).toBe(1011);
		expect(reason).toContain('room state is from another module build; use a new room or set onModuleChange: "reset"');
	});

	it('a room of a service with onModuleChange: "reset" starts afresh, says so, and stores the new build', async () => {
		const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
		const id = await roomOfAnotherBuild("wasm-contained-reset");
		const again = await connect(`/s/wasm-contained-reset/ws/${id}`);
		again.send("c");
		expect(u32s(await again.next())).toEqual([1]);
		expect(warnings.mock.calls.flat().join("\n")).toContain(`room "${id}": its state was stored by another build`);
		const meta = (await storedState("wasm-contained-reset", id)).get("state/wasm/meta") as { build: string };
		expect(meta.build).toMatch(/^[0-9a-f]{64}$/);
		expect(meta.build).not.toBe("0".repeat(64));
	});
});
