/**
 * Dirty-page tracking: for a module that marks the pages it writes (dirty-pages.ts), a
 * checkpoint stores exactly the marked pages without comparing memory with a copy, keeps no
 * copy of memory, and a failed event rolls back from storage. The fixture marks by hand what
 * the build's instrumentation marks in every other module.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import dirtyTracked from "../../build/fixtures/dirty-tracked.wasm";
import scripted from "../../build/fixtures/scripted.wasm";
import { Guest } from "../../src/wasm/guest.ts";
import { Checkpoint } from "../../src/wasm/snapshot.ts";
import { connect, type Frame, roomStub, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

const SERVICE = "wasm-dirty-tracked";

const u32s = (frame: Frame) => {
	if (typeof frame === "string") throw new Error(`expected bytes, got ${frame}`);
	return Array.from(new Uint32Array(frame.slice().buffer));
};

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

describe("a module with dirty-page tracking", () => {
	it("stores the pages it marked, and only those", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/${SERVICE}/ws/${room}`);
		expect(await ask(client, "g")).toEqual([1, 0]);
		expect(await ask(client, "wC")).toEqual([2, 1]);
		// Page 0 holds the event the host copied in and the reply; page 2 the counter.
		expect(await storedPages(room)).toEqual([0, 2]);
		expect(await ask(client, "wP")).toEqual([15, 1]);
		expect(await storedPages(room)).toEqual([0, 2, 15]);
		// A write the guest does not mark is not stored: the host reads the marks, not the memory.
		expect(await ask(client, "sJ")).toEqual([9, 1]);
		expect(await storedPages(room)).toEqual([0, 2, 15]);
	});

	it("comes back from storage after eviction", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/${SERVICE}/ws/${room}`);
		await ask(client, "g");
		await ask(client, "wC");
		await ask(client, "wC");
		await ask(client, "wQ");
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(client, "rC")).toEqual([2, 2]);
		expect(await ask(client, "rQ")).toEqual([16, 1]);
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

	it("keeps no copy of memory, unlike a module compared page by page", async () => {
		const tracked = await Guest.start(dirtyTracked, "dirty", "test");
		expect(Checkpoint.resume(tracked, new Map()).keepsCopy).toBe(false);
		const compared = await Guest.start(scripted, "scripted", "test");
		expect(Checkpoint.resume(compared, new Map()).keepsCopy).toBe(true);
	});
});
