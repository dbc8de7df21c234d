/**
 * What a TypeScript service reaches through its context beyond messages and the timer: the
 * Worker's env, the room's clients, closing a client, and per-connection state. Each runs in
 * workerd against `test-platform` (test/worker/services.ts), whose clients are gated by
 * `?pass=<user>` (test/worker/entry.ts) so that they carry identities.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, roomStub, type TestSocket, uniqueRoom } from "./socket.ts";

const SERVICE = "test-platform";

/** Connects `user` to `room` and reads the join broadcast it gets itself. */
async function join(room: string, user: string): Promise<{ socket: TestSocket; joined: string }> {
	const socket = await connect(`/s/${SERVICE}/ws/${room}?pass=${user}`);
	return { socket, joined: String(await socket.next()) };
}

/** Sends a command and returns the reply. */
async function ask(socket: TestSocket, command: string): Promise<string> {
	socket.send(command);
	return String(await socket.next());
}

describe("ctx.env", () => {
	it("gives a TypeScript service the Worker's variables and secrets", async () => {
		const { socket } = await join(uniqueRoom(), "alice");
		// A secret of the worker suite (vitest.config.ts), not among the wrangler.toml's generated types.
		const secret = (env as unknown as Record<string, string>).TEST_OTHER_SECRET;
		expect(secret).toMatch(/^another-test-secret/);
		expect(await ask(socket, "env")).toBe(`env ${secret}`);
		socket.close();
	});
});

describe("ctx.clients()", () => {
	it("lists the connected clients with their identities, the joining one included and the leaving one not", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		expect(alice.joined).toBe('joined 1 [[1,"alice"]]');
		const bob = await join(room, "bob");
		expect(bob.joined).toBe('joined 2 [[1,"alice"],[2,"bob"]]');
		expect(await alice.socket.next()).toBe(bob.joined);
		bob.socket.close();
		expect(await alice.socket.next()).toBe('left 2 [[1,"alice"]] state null');
		expect(await ask(alice.socket, "clients")).toBe('clients [[1,"alice"]]');
		alice.socket.close();
	});

	it("still lists the clients after the room was evicted", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.socket.next();
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(bob.socket, "clients")).toBe('clients [[1,"alice"],[2,"bob"]]');
		alice.socket.close();
		bob.socket.close();
	});
});

describe("ctx.close()", () => {
	it("closes the client with the code and reason after the event's messages, and the service hears it leave", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.socket.next();
		expect(await ask(alice.socket, "close 2 4001 you were kicked")).toBe("closing");
		expect(await bob.socket.closed).toEqual({ code: 4001, reason: "you were kicked" });
		expect(await alice.socket.next()).toBe('left 2 [[1,"alice"]] state null');
		alice.socket.close();
	});

	it("closes with 1000 and no reason by default, and can close the sender itself", async () => {
		const { socket } = await join(uniqueRoom(), "alice");
		socket.send("close 1");
		expect(await socket.next()).toBe("closing");
		expect(await socket.closed).toEqual({ code: 1000, reason: "" });
	});

	it("refuses a code a service may not send (the protocol's, Stateroom's own), and a reason too long for a close frame, with a RangeError", async () => {
		const { socket } = await join(uniqueRoom(), "alice");
		for (const code of [1001, 1011, 3000, 4503.5, 5000]) {
			expect(await ask(socket, `close 1 ${code} bye`)).toMatch(
				new RegExp(`^refused RangeError: ctx.close: close code ${code} is not one a service may send`),
			);
		}
		for (const code of [4008, 4010, 4011, 4503]) {
			expect(await ask(socket, `close 1 ${code} bye`)).toMatch(
				new RegExp(`^refused RangeError: ctx.close: close code ${code} is Stateroom's own`),
			);
		}
		// 62 two-byte characters: 124 bytes, over the 123 a close frame holds.
		expect(await ask(socket, `close 1 4000 ${"é".repeat(62)}`)).toMatch(
			/^refused RangeError: ctx.close: the reason takes 124 bytes of UTF-8; a close frame holds at most 123/,
		);
		// Still connected: none of the refused closes happened.
		expect(await ask(socket, "clients")).toBe('clients [[1,"alice"]]');
		socket.close();
	});

	it("does not close anyone when the event that asked for it fails", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.socket.next();
		alice.socket.send("fail close 2 4001 bye");
		// The failed event's message ("closing") is discarded with its close.
		expect(await alice.socket.quiet()).toEqual([]);
		expect(await ask(bob.socket, "clients")).toBe('clients [[1,"alice"],[2,"bob"]]');
		alice.socket.close();
		bob.socket.close();
	});
});

describe("ctx.connection(client).state", () => {
	it("keeps a connection's state through eviction, for that connection only", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.socket.next();
		expect(await ask(alice.socket, 'set {"nick":"al","seat":[1,2]}')).toBe('set {"nick":"al","seat":[1,2]}');
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(alice.socket, "get")).toBe('state {"nick":"al","seat":[1,2]}');
		expect(await ask(bob.socket, "get")).toBe("state null");
		// Cleared (set to undefined), it reads undefined again, also after another eviction.
		expect(await ask(alice.socket, "clear")).toBe("set null");
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(alice.socket, "get")).toBe("state null");
		alice.socket.close();
		bob.socket.close();
	});

	it("is still readable in the client's disconnect, whether the client closed or the service closed it", async () => {
		const room = uniqueRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const carol = await join(room, "carol");
		await alice.socket.next();
		await alice.socket.next();
		await bob.socket.next();
		expect(await ask(bob.socket, 'set {"nick":"b"}')).toBe('set {"nick":"b"}');
		expect(await ask(carol.socket, 'set {"nick":"c"}')).toBe('set {"nick":"c"}');
		await evictDurableObject(roomStub(SERVICE, room));
		bob.socket.close();
		expect(await alice.socket.next()).toBe('left 2 [[1,"alice"],[3,"carol"]] state {"nick":"b"}');
		expect(await ask(alice.socket, "close 3 4000 bye")).toBe("closing");
		expect(await alice.socket.next()).toBe('left 3 [[1,"alice"]] state {"nick":"c"}');
		alice.socket.close();
	});

	it("keeps the old state when the event that set a new one fails", async () => {
		const room = uniqueRoom();
		const { socket } = await join(room, "alice");
		expect(await ask(socket, 'set {"a":1}')).toBe('set {"a":1}');
		socket.send('fail set {"a":2}');
		expect(await socket.quiet()).toEqual([]);
		expect(await ask(socket, "get")).toBe('state {"a":1}');
		await evictDurableObject(roomStub(SERVICE, room));
		expect(await ask(socket, "get")).toBe('state {"a":1}');
		socket.close();
	});

	it("refuses data JSON would not keep as it is, and data over 1,024 bytes", async () => {
		const { socket } = await join(uniqueRoom(), "alice");
		expect(await ask(socket, 'set {"x": 1e999}')).toMatch(
			/^refused TypeError: ctx.connection\(client\).state: state.x is Infinity/,
		);
		expect(await ask(socket, `set "${"x".repeat(1023)}"`)).toMatch(
			/^refused RangeError: ctx.connection\(client\).state takes 1025 bytes as JSON; a connection's state holds at most 1024/,
		);
		expect(await ask(socket, `set [${Array(600).fill(0).join(",")}]`)).toMatch(/^refused RangeError/);
		// The refused values were not stored.
		expect(await ask(socket, "get")).toBe("state null");
		socket.close();
	});
});
