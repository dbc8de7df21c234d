/**
 * Dirty-page tracking: the build marks every page a guest writes (scripts/build/dirty-pages.mjs),
 * so a checkpoint stores exactly the written pages without comparing memory with a copy, keeps
 * no copy of memory, and a failed event rolls back from storage.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import pageWrites from "../../build/fixtures/page-writes.wasm";
import untrackedModule from "../../build/fixtures/untracked.wasm";
import { Checkpoint } from "../../src/wasm/checkpoint.ts";
import { Guest } from "../../src/wasm/guest.ts";
import { WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { connect, type Frame, frameWords, roomStub, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

const SERVICE = "wasm-page-writes";

const u32s = (frame: Frame) => frameWords(frame, false);

/** The indexes of the pages the room has stored. */
async function storedPages(room: string): Promise<number[]> {
	const stored = await runInDurableObject(roomStub(SERVICE, room), (_room, state) =>
		state.storage.list({ prefix: "state/wasm/page/" }),
	);
	return [...stored.keys()].map((key) => Number(key.slice("state/wasm/page/".length))).sort((a, b) => a - b);
}

async function ask(client: Awaited<ReturnType<typeof connect>>, command: string): Promise<number[]> {
	client.send(command);
	return u32s(await client.next());
}

describe("dirty-page tracking", () => {
	it("stores the pages each kind of write touched, and only those", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/${SERVICE}/ws/${room}`);
		expect(await ask(client, "g")).toEqual([1, 0]);
		// Page 0 holds the event the host copied in and the reply; a store writes page 2.
		expect(await ask(client, "wC")).toEqual([2, 1]);
		expect(await storedPages(room)).toEqual([0, 2]);
		// memory.fill from page 4 (offset 100) to page 7 (offset 100): pages 4 to 7.
		expect(await ask(client, "fEH")).toEqual([4, 7]);
		expect(await storedPages(room)).toEqual([0, 2, 4, 5, 6, 7]);
		// memory.copy of 16 bytes to offset 65530 of page 10: pages 10 and 11.
		expect(await ask(client, "cCK")).toEqual([2, 10]);
		expect(await storedPages(room)).toEqual([0, 2, 4, 5, 6, 7, 10, 11]);
	});

	it("comes back from storage after eviction", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/${SERVICE}/ws/${room}`);
		await ask(client, "g");
		await ask(client, "wC");
		await ask(client, "wC");
		await ask(client, "wQ");
		await ask(client, "fEH");
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(client, "rC")).toEqual([2, 2]);
		expect(await ask(client, "rQ")).toEqual([16, 1]);
		// Offset 8 of page 5 was filled with 7s.
		expect(await ask(client, "rF")).toEqual([5, 0x07070707]);
	});

	it("rolls a failed event back from storage", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const room = uniqueRoom();
		const client = await connect(`/s/${SERVICE}/ws/${room}`);
		await ask(client, "g");
		expect(await ask(client, "wC")).toEqual([2, 1]);
		client.send("tC");
		expect(await ask(client, "rC")).toEqual([2, 1]);
		// The reloaded guest tracks pages as before.
		expect(await ask(client, "wE")).toEqual([4, 1]);
		expect(await storedPages(room)).toEqual([0, 2, 4]);
	});

	it("keeps no copy of memory for a tracked module; one built without tracking is compared page by page", async () => {
		const identity = { build: "test", onModuleChange: "refuse" } as const;
		const tracked = await Guest.start(pageWrites, "tracked", "test", WASM_LIMIT_DEFAULTS);
		expect(tracked.dirtyPages).toBeDefined();
		expect(Checkpoint.resume(tracked, new Map(), identity).keepsCopy).toBe(false);
		const untracked = await Guest.start(untrackedModule, "untracked", "test", WASM_LIMIT_DEFAULTS);
		expect(untracked.dirtyPages).toBeUndefined();
		expect(Checkpoint.resume(untracked, new Map(), identity).keepsCopy).toBe(true);
	});
});
