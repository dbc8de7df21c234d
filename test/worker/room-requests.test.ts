/**
 * A room's HTTP handler (`request(req, ctx, info)`), reached at `/s/:service/rooms/:room/...`:
 * routed through the same access checks as a WebSocket, run as an event of the room (in turn
 * with its other events, committed or rolled back, bounded), and able to reach its clients.
 * Runs in workerd against `test-board` and its variants (test/worker/services.ts).
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/access/index.ts";
import { BASE, connect, roomStub, uniqueRoom } from "./socket.ts";

const secrets = env as unknown as Record<string, string>;

/** A request to `path` below a room of `service`. */
function ask(service: string, room: string, path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(`${BASE}/s/${service}/rooms/${encodeURIComponent(room)}${path}`, init);
}

const post = (room: string, path: string, body: string, init: RequestInit = {}) =>
	ask("test-board", room, path, { method: "POST", body, ...init });

async function notes(room: string): Promise<{ notes: string[]; clients: number }> {
	const response = await ask("test-board", room, "/notes");
	expect(response.status).toBe(200);
	return response.json();
}

describe("a room's HTTP handler", () => {
	it("answers with the service's response, keeps its state changes, and reaches the room's clients", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-board/ws/${room}`);
		expect(await client.next()).toBe("notes []");
		const response = await post(room, "/notes", "deploy finished");
		expect(response.status).toBe(201);
		expect(response.headers.get("x-board")).toBe(room);
		expect(await response.text()).toBe("noted 1");
		expect(await client.next()).toBe("note deploy finished");
		// Committed: an eviction keeps it, as it keeps a message's changes.
		await evictDurableObject(roomStub("test-board", room));
		expect(await notes(room)).toEqual({ notes: ["deploy finished"], clients: 1 });
		client.close();
	});

	it("tells the handler the path below the room and the request as its sender made it", async () => {
		const room = "a/b c";
		const response = await ask("test-board", room, "/who", { headers: { "x-mine": "1" } });
		expect(await response.json()).toEqual({
			path: "/who",
			user: null,
			claims: null,
			url: `${BASE}/s/test-board/rooms/a%2Fb%20c/who`,
			// Stateroom's own headers (the room's address, the identity) are not among them.
			headers: ["x-mine"],
		});
		expect(await (await ask("test-board", uniqueRoom(), "")).text()).toBe("no route GET /");
		expect(await (await ask("test-board", uniqueRoom(), "/a/b%2Fc")).text()).toBe("no route GET /a/b%2Fc");
	});

	it("runs in turn with the room's other events: a request waits for the message before it", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-board/ws/${room}`);
		await client.next();
		client.send("hold 100");
		// The message's event is running (it awaits a timer) when the request arrives.
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect((await post(room, "/notes", "after")).status).toBe(201);
		expect(await client.next()).toBe("note held");
		expect(await client.next()).toBe("note after");
		expect((await notes(room)).notes).toEqual(["held", "after"]);
		client.close();
	});

	it("rolls a failed handler back like a failed message: 500, no state change, no message sent", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-board/ws/${room}`);
		await client.next();
		const failed = await post(room, "/fail", "");
		expect(failed.status).toBe(500);
		expect(await failed.text()).toMatch(/request handler failed and its changes were rolled back: it threw Error/);
		expect(await client.quiet()).toEqual([]);
		expect((await notes(room)).notes).toEqual([]);
		client.close();
	});

	it("holds the handler to the event deadline and its response to the event's output bound", async () => {
		const room = uniqueRoom();
		const slow = await ask("test-board", room, "/slow");
		expect(slow.status).toBe(500);
		expect(await slow.text()).toMatch(/did not finish within the event deadline/);
		// test-board may send 4096 bytes per event; a response body counts toward them.
		expect(await (await ask("test-board", room, "/big?bytes=4096")).text()).toHaveLength(4096);
		const big = await ask("test-board", room, "/big?bytes=4097");
		expect(big.status).toBe(500);
		expect(await big.text()).toMatch(/it threw OutputBoundError/);
		const wrong = await ask("test-board", room, "/wrong");
		expect(wrong.status).toBe(500);
		expect(await wrong.text()).toMatch(/it threw TypeError/);
		// The room still serves.
		expect(await notes(room)).toEqual({ notes: [], clients: 0 });
	});

	it("counts handlers that miss the deadline toward a cool-down, during which requests are refused with 503", async () => {
		const room = uniqueRoom();
		// limits.failureStreak is 3: the third costly failure in a row starts the cool-down.
		for (let attempt = 0; attempt < 3; attempt++) expect((await ask("test-board", room, "/slow")).status).toBe(500);
		const refused = await ask("test-board", room, "/notes");
		expect(refused.status).toBe(503);
		expect(await refused.text()).toMatch(/The room is cooling down until .*; retry then/);
		expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
	});

	it("refuses a body over limits.maxMessageBytes with 413, declared or streamed, and the room never sees it", async () => {
		const room = uniqueRoom();
		const declared = await post(room, "/notes", "x".repeat(1025));
		expect(declared.status).toBe(413);
		expect(await declared.text()).toMatch(
			/1025 bytes; the limit is 1024 bytes \(the service's limits.maxMessageBytes\)/,
		);
		// A body without a length (a stream) is read up to the limit, then refused.
		const chunks = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let index = 0; index < 3; index++) controller.enqueue(new Uint8Array(512));
				controller.close();
			},
		});
		const streamed = await post(room, "/notes", "", { body: chunks, duplex: "half" } as RequestInit);
		expect(streamed.status).toBe(413);
		expect(await streamed.text()).toMatch(/more than 1024 bytes/);
		expect((await post(room, "/notes", "x".repeat(1024))).status).toBe(201);
		expect((await notes(room)).notes).toEqual(["x".repeat(1024)]);
	});

	it("can close a client of the room, which the service then hears leave", async () => {
		const room = uniqueRoom();
		const client = await connect(`/s/test-board/ws/${room}`);
		await client.next();
		expect(await (await post(room, "/kick/1", "")).text()).toBe("kicked");
		expect(await client.closed).toEqual({ code: 4000, reason: "kicked by a webhook" });
		expect((await notes(room)).clients).toBe(0);
	});
});

describe("which services and requests a room's handler takes", () => {
	it("answers 404 with the reason for a service without a handler, a WebAssembly one, and an unknown one", async () => {
		for (const service of ["counter", "rust-echo"]) {
			const response = await ask(service, "lobby", "/anything", { method: "POST", body: "x" });
			expect(response.status).toBe(404);
			expect(await response.text()).toMatch(
				new RegExp(`Service "${service}" has no HTTP handler: only a TypeScript service with a request\\(\\) method`),
			);
		}
		const unknown = await ask("nope", "lobby", "/");
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toMatch(/No service named "nope"/);
	});

	it("refuses a foreign browser origin, as for a WebSocket", async () => {
		const refused = await post(uniqueRoom(), "/notes", "csrf", { headers: { origin: "https://evil.example" } });
		expect(refused.status).toBe(403);
		expect(await refused.text()).toMatch(/Origin "https:\/\/evil.example" may not open rooms of service "test-board"/);
		const same = await post(uniqueRoom(), "/notes", "mine", { headers: { origin: BASE } });
		expect(same.status).toBe(201);
	});

	it("runs the authorize hook, which is told it is a request, and hands the handler the identity", async () => {
		const room = uniqueRoom();
		expect((await ask("test-board-gated", room, "/who")).status).toBe(401);
		const who = await ask("test-board-gated", room, "/who?pass=ann");
		expect(await who.json()).toMatchObject({ user: "ann", claims: { role: "player", kind: "request" } });
	});

	it("requires a join token for the room where the service requires one, as a Bearer header or ?token=", async () => {
		const room = uniqueRoom();
		const missing = await ask("test-board-token", room, "/who");
		expect(missing.status).toBe(401);
		expect(await missing.text()).toMatch(/requires a join token/);
		const grant = { service: "test-board-token", room, user: "bot", ttlSeconds: 60 };
		const token = await mintJoinToken(secrets.STATEROOM_TOKEN_SECRET ?? "", grant);
		const bearer = await ask("test-board-token", room, "/who", { headers: { authorization: `Bearer ${token}` } });
		expect(await bearer.json()).toMatchObject({ user: "bot" });
		expect((await ask("test-board-token", room, `/who?token=${token}`)).status).toBe(200);
		// A token for another room does not open this one.
		expect((await ask("test-board-token", uniqueRoom(), `/who?token=${token}`)).status).toBe(401);
	});
});
