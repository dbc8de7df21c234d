/**
 * What a room writes per event, seen through its own storage in workerd: a message event that
 * changes nothing writes nothing (no room record, statistics or timer bookkeeping), and one
 * that changes the state writes only the state. Each stored key is first overwritten with a
 * mark behind the room's back; only a write by the room removes a mark.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

type Stored = Record<string, unknown>;

function storage(service: string, room: string) {
	const stub = roomStub(service, room);
	const read = () =>
		runInDurableObject(stub, async (_room, state) => Object.fromEntries(await state.storage.list()) as Stored);
	return {
		read,
		/** Replaces every stored value with a mark that wraps it; returns the marked storage. */
		mark: async (): Promise<Stored> => {
			const marked = Object.fromEntries(Object.entries(await read()).map(([key, value]) => [key, { mark: value }]));
			await runInDurableObject(stub, (_room, state) => state.storage.put(marked));
			return marked;
		},
	};
}

describe("writes per event", () => {
	it("a message event that changes nothing writes nothing", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		const b = await connect(`/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		expect(await b.next()).toBe("new value: 1");
		const { read, mark } = storage("counter", room);
		const marked = await mark();
		expect(Object.keys(marked)).toEqual(expect.arrayContaining(["room", "state/ts/f/value/0"]));
		for (const client of [a, b]) {
			client.send("no-op");
			expect(await a.next()).toBe("new value: 1");
			expect(await b.next()).toBe("new value: 1");
		}
		expect(await read()).toEqual(marked);
	});

	it("a message event that changes the state writes only the state's changed keys", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		const { read, mark } = storage("counter", room);
		const marked = await mark();
		a.send("increment");
		expect(await a.next()).toBe("new value: 2");
		expect(await read()).toEqual({ ...marked, "state/ts/f/value/0": "2" });
	});
});
