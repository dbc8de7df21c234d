/**
 * A room from the Worker's own code: `stateroom.room(env, service, roomId)` sends the room's
 * clients messages and calls its HTTP handler. Runs in workerd against the worker suite's
 * deployment (test/worker/entry.ts); the mounted project shows the same from a Hono app.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { MessageRecipient } from "stateroom";
import { describe, expect, expectTypeOf, it } from "vitest";
import { stateroom } from "./entry.ts";
import type { TypedEvent } from "./services.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

describe("stateroom.room(env, service, roomId)", () => {
	it("sends the room's clients a message, to everyone or to one, in turn with the room's events", async () => {
		const room = uniqueRoom();
		const first = await connect(`/s/test-board/ws/${room}`);
		const second = await connect(`/s/test-board/ws/${room}`);
		await first.next();
		await second.next();
		const handle = stateroom.room(env, "test-board", room);
		expect([handle.service, handle.roomId]).toEqual(["test-board", room]);
		first.send("hold 100");
		await new Promise((resolve) => setTimeout(resolve, 20));
		// Queued behind the message that is still running: its note goes out first.
		await handle.broadcast("from the worker");
		expect(await first.next()).toBe("note held");
		expect(await first.next()).toBe("from the worker");
		expect(await second.next()).toBe("note held");
		expect(await second.next()).toBe("from the worker");
		await handle.send(MessageRecipient.client(2 as never), new Uint8Array([1, 2]));
		expect(await second.next()).toEqual(new Uint8Array([1, 2]));
		expect(await first.quiet()).toEqual([]);
		first.close();
		second.close();
	});

	it("reaches the clients of a room that was evicted meanwhile", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-board/ws/${room}`);
		await client.next();
		await evictDurableObject(roomStub("test-board", room));
		await stateroom.room(env, "test-board", room).broadcast("after the eviction");
		expect(await client.next()).toBe("after the eviction");
		client.close();
	});

	it("does not create a room that was never opened by sending to it", async () => {
		const room = uniqueRoom();
		await stateroom.room(env, "test-board", room).broadcast("anyone?");
		const stored = await runInDurableObject(roomStub("test-board", room), (_room, state) => state.storage.list());
		expect(stored.size).toBe(0);
	});

	it("calls the room's HTTP handler, with a path or a whole request, creating the room if need be", async () => {
		const room = uniqueRoom();
		const handle = stateroom.room(env, "test-board", room);
		const posted = await handle.fetch("/notes", { method: "POST", body: "from a cron job" });
		expect(posted.status).toBe(201);
		expect(await posted.text()).toBe("noted 1");
		const who = await handle.fetch(new Request("https://example.com/who?x=1", { headers: { "x-mine": "1" } }));
		// No identity: the Worker's code is trusted, and passes no access checks.
		expect(await who.json()).toEqual({
			path: "/who",
			user: null,
			claims: null,
			url: "https://example.com/who?x=1",
			headers: ["x-mine"],
		});
		expect(await (await handle.fetch("/notes")).json()).toEqual({ notes: ["from a cron job"], clients: 0 });
		// The room's bounds hold for the Worker's code too.
		expect((await handle.fetch("/notes", { method: "POST", body: "x".repeat(1025) })).status).toBe(413);
	});

	it("answers 404 from a service without a handler, and refuses an unknown service or an invalid room id", async () => {
		const response = await stateroom.room(env, "test-platform", "lobby").fetch("/");
		expect(response.status).toBe(404);
		expect(await response.text()).toMatch(/Service "test-platform" has no HTTP handler/);
		expect(() => stateroom.room(env, "nope" as "test-platform", "lobby")).toThrow(
			/stateroom.room: no service named "nope". Registered services: .*test-platform/,
		);
		expect(() => stateroom.room(env, "test-platform", "")).toThrow(/stateroom.room: Invalid room id: it is empty/);
	});

	it("sends a typed service's messages through its codec, and types them by it", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-typed/ws/${room}`);
		const handle = stateroom.room(env, "test-typed", room);
		expectTypeOf(handle.broadcast).parameter(0).toEqualTypeOf<TypedEvent>();
		await handle.broadcast({ type: "said", from: 0, text: "from the worker" });
		expect(JSON.parse(String(await client.next()))).toEqual({ type: "said", from: 0, text: "from the worker" });
		client.close();
	});
});

describe("a service with typed messages (jsonMessages)", () => {
	it("receives parsed commands and sends events as JSON", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-typed/ws/${room}`);
		client.send(JSON.stringify({ type: "say", text: "hi" }));
		expect(JSON.parse(String(await client.next()))).toEqual({ type: "said", from: 1, text: "hi" });
		client.close();
	});

	it("fails the event of a message its codec refuses (not JSON, not a command, bytes), and keeps the client", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-typed/ws/${room}`);
		for (const frame of ["not json", JSON.stringify({ type: "shout" }), new Uint8Array([1])]) client.send(frame);
		expect(await client.quiet()).toEqual([]);
		client.send(JSON.stringify({ type: "say", text: "still here" }));
		expect(JSON.parse(String(await client.next()))).toMatchObject({ text: "still here" });
		client.close();
	});
});
