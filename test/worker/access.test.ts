/**
 * Tenancy and access through the real Worker and rooms: per-service limits (room size, message
 * size, message rate), allowed origins, signed join tokens, the deployer's `authorize` hook, and
 * isolation between services. Services and their settings are in test/worker/services.ts.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/access/index.ts";
import { TIGHT_LIMITS } from "./services.ts";
import { connect, roomStub, type TestSocket, uniqueRoom, upgrade } from "./socket.ts";

const secrets = env as unknown as Record<string, string>;

/** A join token signed with the worker suite's secret (or another one). */
function token(
	service: string,
	room: string,
	options: { user?: string; claims?: Record<string, unknown>; ttlSeconds?: number; secret?: string } = {},
): Promise<string> {
	const { secret = secrets.STATEROOM_TOKEN_SECRET ?? "", ttlSeconds = 60, ...rest } = options;
	return mintJoinToken(secret, { service, room, ttlSeconds, ...rest });
}

/** Sends messages until the socket closes; how many went out and the close (bounded). */
async function floodUntilClosed(socket: TestSocket, most: number): Promise<{ code: number; reason: string }> {
	for (let sent = 0; sent < most; sent++) {
		try {
			socket.send("x");
		} catch {
			break;
		}
	}
	return socket.closed;
}

describe("room size (limits.maxClients)", () => {
	it("refuses one client too many with 503 and a reason, before any upgrade", async () => {
		const room = uniqueRoom();
		const first = await connect(`/s/test-tight/ws/${room}`);
		await connect(`/s/test-tight/ws/${room}`);
		expect(await first.next()).toBe("joined 1 null");
		expect(await first.next()).toBe("joined 2 null");
		const refused = await upgrade(`/s/test-tight/ws/${room}`);
		expect(refused.status).toBe(503);
		expect(refused.webSocket).toBeNull();
		expect(await refused.text()).toMatch(/limits\.maxClients = 2 in defineServices/);
		// The refused client never joined: members heard nothing.
		expect(await first.quiet()).toEqual([]);
	});

	it("lets a client in again once one has left", async () => {
		const room = uniqueRoom();
		const first = await connect(`/s/test-tight/ws/${room}`);
		const second = await connect(`/s/test-tight/ws/${room}`);
		second.close();
		await second.closed;
		// The server learns of the close asynchronously: retry a bounded number of times.
		let status = 0;
		for (let attempt = 0; attempt < 20 && status !== 101; attempt++) {
			const response = await upgrade(`/s/test-tight/ws/${room}`);
			status = response.status;
			response.webSocket?.accept();
			if (status !== 101) await new Promise((resolve) => setTimeout(resolve, 25));
		}
		expect(status).toBe(101);
		expect(await first.next()).toBe("joined 1 null");
	});
});

describe("message size (limits.maxMessageBytes)", () => {
	it("closes a client with 1009 and a reason naming the limit; the room never sees the message", async () => {
		const room = uniqueRoom();
		const member = await connect(`/s/test-tight/ws/${room}`);
		const sender = await connect(`/s/test-tight/ws/${room}`);
		expect(await member.next()).toBe("joined 1 null");
		expect(await member.next()).toBe("joined 2 null");
		sender.send("a".repeat(TIGHT_LIMITS.maxMessageBytes));
		expect(await member.next()).toBe(`2 sent ${TIGHT_LIMITS.maxMessageBytes}`);
		// 32 two-byte characters are 64 bytes, 33 are 66: the limit counts UTF-8 bytes, not characters.
		sender.send("é".repeat(32));
		expect(await member.next()).toBe("2 sent 32");
		sender.send("é".repeat(33));
		expect(await sender.closed).toEqual({
			code: 1009,
			reason: "message over limits.maxMessageBytes (64 bytes), set in defineServices",
		});
		expect(await member.next()).toBe("left 2");
		expect(await member.quiet()).toEqual([]);
	});

	it("counts binary messages by their bytes too", async () => {
		const sender = await connect(`/s/test-tight/ws/${uniqueRoom()}`);
		sender.send(new Uint8Array(TIGHT_LIMITS.maxMessageBytes + 1));
		expect((await sender.closed).code).toBe(1009);
	});

	it("enforces the 1 MiB default on a service with no settings", async () => {
		const room = uniqueRoom();
		const member = await connect(`/s/test-roster/ws/${room}`);
		const sender = await connect(`/s/test-roster/ws/${room}`);
		expect(await member.next()).toBe("joined 1 null");
		expect(await member.next()).toBe("joined 2 null");
		sender.send(new Uint8Array(1024 * 1024));
		expect(await member.next()).toBe(`2 sent ${1024 * 1024}`);
		sender.send(new Uint8Array(1024 * 1024 + 1));
		expect(await sender.closed).toMatchObject({ code: 1009, reason: expect.stringMatching(/1048576 bytes/) });
	});
});

describe("message rate (limits.messagesPerSecond, limits.messageBurst)", () => {
	it("closes a flooding client with 4008 and a reason, after its burst got through", async () => {
		const room = uniqueRoom();
		const member = await connect(`/s/test-tight/ws/${room}`);
		const flooder = await connect(`/s/test-tight/ws/${room}`);
		expect(await member.next()).toBe("joined 1 null");
		expect(await member.next()).toBe("joined 2 null");
		const close = await floodUntilClosed(flooder, 50);
		expect(close).toEqual({
			code: 4008,
			reason: "over limits.messagesPerSecond (0.5, burst 3), set in defineServices",
		});
		// The burst was delivered, in full, then the client was closed: nothing was dropped silently.
		const heard = [];
		for (let index = 0; index < 4; index++) heard.push(await member.next());
		expect(heard.slice(0, TIGHT_LIMITS.messageBurst)).toEqual(["2 sent 1", "2 sent 1", "2 sent 1"]);
		expect(heard.at(-1)).toBe("left 2");
	});
	it("lets nothing more of a refused client through, though it ignores the close and keeps sending", async () => {
		const room = uniqueRoom();
		const member = await connect(`/s/test-tight/ws/${room}`);
		const flooder = await connect(`/s/test-tight/ws/${room}`);
		expect(await member.next()).toBe("joined 1 null");
		expect(await member.next()).toBe("joined 2 null");
		// Sent at once: all but the burst reach the room after it has refused the client.
		for (let index = 0; index < 50; index++) flooder.send("x");
		expect((await flooder.closed).code).toBe(4008);
		// A hostile client ignores the close frame and keeps sending on the same connection.
		for (let index = 0; index < 50; index++) {
			try {
				flooder.send("x");
			} catch {
				break;
			}
		}
		// The member's own round trip marks the end of what the service saw.
		member.send("whoami");
		const heard = [];
		for (let frame = await member.next(); ; frame = await member.next()) {
			heard.push(frame);
			if (frame === "you 1 null") break;
		}
		expect(heard).toEqual(["2 sent 1", "2 sent 1", "2 sent 1", "left 2", "you 1 null"]);
		expect(await member.quiet()).toEqual([]);
	});
});

describe("message rate defaults", () => {
	it("closes a client of a service with no settings that sends 1000 messages at once", async () => {
		const flooder = await connect(`/s/test-roster/ws/${uniqueRoom()}`);
		expect(await floodUntilClosed(flooder, 1000)).toEqual({
			code: 4008,
			reason: "over limits.messagesPerSecond (100, burst 200), set in defineServices",
		});
	});
});

describe("origins (access.origins)", () => {
	it("refuses a foreign origin with 403 by default, naming the setting", async () => {
		const response = await upgrade(`/s/test-roster/ws/${uniqueRoom()}`, { Origin: "http://evil.example" });
		expect(response.status).toBe(403);
		expect(await response.text()).toMatch(/Origin "http:\/\/evil\.example" may not.*access\.origins/);
	});

	it("accepts the Worker's own origin and clients that send no Origin", async () => {
		const same = await connect(`/s/test-roster/ws/${uniqueRoom()}`, { Origin: "http://stateroom.test" });
		expect(await same.next()).toBe("joined 1 null");
		const program = await connect(`/s/test-roster/ws/${uniqueRoom()}`);
		expect(await program.next()).toBe("joined 1 null");
	});

	it("accepts loopback origins only when the Worker itself is on loopback (development)", async () => {
		const path = `/s/test-roster/ws/${uniqueRoom()}`;
		const dev = await upgrade(path, { Origin: "http://localhost:5173" }, "http://127.0.0.1:8787");
		expect(dev.status).toBe(101);
		dev.webSocket?.accept();
		const production = await upgrade(path, { Origin: "http://localhost:5173" });
		expect(production.status).toBe(403);
	});

	it("accepts listed origins, and any origin only where '*' is said", async () => {
		const listed = await upgrade(`/s/test-origins/ws/${uniqueRoom()}`, { Origin: "https://app.example.com" });
		expect(listed.status).toBe(101);
		listed.webSocket?.accept();
		const other = await upgrade(`/s/test-origins/ws/${uniqueRoom()}`, { Origin: "https://app.example.com.evil" });
		expect(other.status).toBe(403);
		const any = await upgrade(`/s/test-anyorigin/ws/${uniqueRoom()}`, { Origin: "http://evil.example" });
		expect(any.status).toBe(101);
		any.webSocket?.accept();
	});
});

describe("join tokens (access.token)", () => {
	const refusal = async (path: string, headers: Record<string, string> = {}) => {
		const response = await upgrade(path, headers);
		return { status: response.status, text: await response.text(), socket: response.webSocket };
	};

	it("refuses a client without a token with 401, saying how to get one", async () => {
		const { status, text, socket } = await refusal(`/s/test-private/ws/${uniqueRoom()}`);
		expect(status).toBe(401);
		expect(socket).toBeNull();
		expect(text).toMatch(/requires a join token.*\?token=.*stateroom token/);
	});

	it("lets a valid token in; the service reads its user id and claims", async () => {
		const room = uniqueRoom();
		const jwt = await token("test-private", room, { user: "ann", claims: { role: "admin" } });
		const ann = await connect(`/s/test-private/ws/${room}?token=${jwt}`);
		expect(await ann.next()).toBe('joined 1 {"user":"ann","claims":{"role":"admin"}}');
		ann.send("whoami");
		expect(await ann.next()).toBe('you 1 {"user":"ann","claims":{"role":"admin"}}');
		// The header form, for programs.
		const bob = await connect(`/s/test-private/ws/${room}`, {
			Authorization: `Bearer ${await token("test-private", room, { user: "bob" })}`,
		});
		expect(await bob.next()).toBe('joined 2 {"user":"bob","claims":{}}');
	});

	it("keeps each client's identity through eviction", async () => {
		const room = uniqueRoom();
		const ann = await connect(`/s/test-private/ws/${room}?token=${await token("test-private", room, { user: "ann" })}`);
		expect(await ann.next()).toBe('joined 1 {"user":"ann","claims":{}}');
		await evictDurableObject(roomStub("test-private", room));
		ann.send("whoami");
		expect(await ann.next()).toBe('you 1 {"user":"ann","claims":{}}');
	});

	it("refuses expired, tampered, other-secret and malformed tokens with 401 and the reason", async () => {
		const room = uniqueRoom();
		const path = `/s/test-private/ws/${room}`;
		const expired = await token("test-private", room, { ttlSeconds: -60 });
		expect(await refusal(`${path}?token=${expired}`)).toMatchObject({
			status: 401,
			text: expect.stringMatching(/expired/),
		});
		const [header, payload, signature] = (await token("test-private", room, { user: "ann" })).split(".");
		const forgedPayload = btoa(JSON.stringify({ ...JSON.parse(atob(payload ?? "")), sub: "root" })).replace(/=+$/, "");
		expect(await refusal(`${path}?token=${header}.${forgedPayload}.${signature}`)).toMatchObject({
			status: 401,
			text: expect.stringMatching(/signature does not match/),
		});
		const otherSecret = await token("test-private", room, { secret: "x".repeat(40) });
		expect(await refusal(`${path}?token=${otherSecret}`)).toMatchObject({
			status: 401,
			text: expect.stringMatching(/signature does not match/),
		});
		expect(await refusal(`${path}?token=not.a.jwt`)).toMatchObject({
			status: 401,
			text: expect.stringMatching(/not a well-formed/),
		});
	});

	it("never opens another service's or another room's room", async () => {
		const room = uniqueRoom();
		const forRoom = await token("test-private", room);
		const wrongRoom = await refusal(`/s/test-private/ws/${uniqueRoom()}?token=${forRoom}`);
		expect(wrongRoom).toMatchObject({ status: 401, text: expect.stringMatching(/not for this room/) });
		const wrongService = await refusal(
			`/s/test-private-b/ws/${room}?token=${await token("test-private", room, { secret: secrets.TEST_OTHER_SECRET })}`,
		);
		expect(wrongService).toMatchObject({
			status: 401,
			text: expect.stringMatching(/not for service "test-private-b"/),
		});
		// A service with its own secret refuses tokens signed with the default secret, even when bound to it.
		const defaultSecret = await refusal(`/s/test-private-b/ws/${room}?token=${await token("test-private-b", room)}`);
		expect(defaultSecret).toMatchObject({ status: 401, text: expect.stringMatching(/signature/) });
		const own = await connect(
			`/s/test-private-b/ws/${room}?token=${await token("test-private-b", room, { secret: secrets.TEST_OTHER_SECRET })}`,
		);
		// (JSON leaves out the undefined user id.)
		expect(await own.next()).toBe('joined 1 {"claims":{}}');
	});

	it("opens every room a pattern matches, and no other", async () => {
		const prefix = `game-${crypto.randomUUID()}`;
		const jwt = await token("test-private", `${prefix}-*`);
		const one = await connect(`/s/test-private/ws/${prefix}-1?token=${jwt}`);
		expect(await one.next()).toMatch(/^joined 1/);
		const other = await refusal(`/s/test-private/ws/lobby-${prefix}-1?token=${jwt}`);
		expect(other.status).toBe(401);
	});

	it("tells the deployer how to set a missing secret, with 500", async () => {
		const response = await upgrade(`/s/test-nosecret/ws/${uniqueRoom()}?token=x`);
		expect(response.status).toBe(500);
		expect(await response.text()).toMatch(/TEST_UNSET_SECRET is not set.*\.dev\.vars.*wrangler secret put/);
	});

	it("never takes an identity from the client's own headers", async () => {
		const forged = encodeURIComponent(JSON.stringify({ user: "root", claims: { role: "admin" } }));
		const open = await connect(`/s/test-roster/ws/${uniqueRoom()}`, { "x-stateroom-identity": forged });
		expect(await open.next()).toBe("joined 1 null");
		const room = uniqueRoom();
		const jwt = await token("test-private", room, { user: "ann" });
		const ann = await connect(`/s/test-private/ws/${room}?token=${jwt}`, { "x-stateroom-identity": forged });
		expect(await ann.next()).toBe('joined 1 {"user":"ann","claims":{}}');
	});

	it("ignores tokens on a public service, and public services need none", async () => {
		const room = uniqueRoom();
		const open = await connect(`/s/test-roster/ws/${room}?token=garbage`);
		expect(await open.next()).toBe("joined 1 null");
	});
});

describe("authorize hook", () => {
	it("refuses before the room is touched, with the hook's status and reason", async () => {
		const room = uniqueRoom();
		const anonymous = await upgrade(`/s/test-gated/ws/${room}`);
		expect(anonymous.status).toBe(401);
		expect(await anonymous.text()).toMatch(/Sign in first/);
		const banned = await upgrade(`/s/test-gated/ws/${room}?pass=banned`);
		expect(banned.status).toBe(403);
		expect(await banned.text()).toMatch(/banned/);
	});

	it("attaches the user and claims it gives", async () => {
		const cat = await connect(`/s/test-gated/ws/${uniqueRoom()}?pass=cat`);
		expect(await cat.next()).toBe('joined 1 {"user":"cat","claims":{"role":"player"}}');
	});
});

describe("isolation between services", () => {
	it("applies one service's limits to no other", async () => {
		const room = uniqueRoom();
		// test-tight allows 2 clients and 64-byte messages; test-roster, the same class, has the defaults.
		const clients = [];
		for (let index = 0; index < 3; index++) clients.push(await connect(`/s/test-roster/ws/${room}`));
		(clients[2] as TestSocket).send("a".repeat(1000));
		const first = clients[0] as TestSocket;
		const heard = [await first.next(), await first.next(), await first.next(), await first.next()];
		expect(heard).toEqual(["joined 1 null", "joined 2 null", "joined 3 null", "3 sent 1000"]);
	});

	it("keeps a flood in one service from changing another's limits", async () => {
		const room = uniqueRoom();
		const flooder = await connect(`/s/test-tight/ws/${room}`);
		expect((await floodUntilClosed(flooder, 50)).code).toBe(4008);
		// Same room id, another service, same instant: its client sends its whole default burst.
		const calm = await connect(`/s/test-roster/ws/${room}`);
		expect(await calm.next()).toBe("joined 1 null");
		for (let index = 0; index < 150; index++) calm.send("y");
		for (let index = 0; index < 150; index++) expect(await calm.next()).toBe("1 sent 1");
	});
});
