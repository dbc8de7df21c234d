/**
 * The optional `env.stateroom_identity` extension of the WebAssembly ABI: a guest that imports it
 * reads a client's user id and claims (test/fixtures/wat/identity.wat answers each message with
 * the sender's identity), through hibernation and eviction; a client without one reads -1.
 * Guests that do not import it are untouched (every other wasm test runs such guests).
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/access/index.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

const secret = (env as unknown as Record<string, string>).STATEROOM_TOKEN_SECRET ?? "";

describe("stateroom_identity", () => {
	it("gives a guest the user id and claims of a client's token, through eviction", async () => {
		const room = uniqueRoom();
		const jwt = await mintJoinToken(secret, {
			service: "wasm-identity-private",
			room,
			user: "ann",
			claims: { role: "admin" },
			ttlSeconds: 60,
		});
		const ann = await connect(`/s/wasm-identity-private/ws/${room}?token=${jwt}`);
		const expected = '{"user":"ann","claims":{"role":"admin"}}';
		ann.send("who");
		expect(await ann.next()).toBe(expected);
		await evictDurableObject(roomStub("wasm-identity-private", room));
		ann.send("who");
		expect(await ann.next()).toBe(expected);
	});

	it("returns the length it needs, writing nothing, when the guest's buffer is too small", async () => {
		const room = uniqueRoom();
		const jwt = await mintJoinToken(secret, { service: "wasm-identity-private", room, user: "bo", ttlSeconds: 60 });
		const bo = await connect(`/s/wasm-identity-private/ws/${room}?token=${jwt}`);
		bo.send("small");
		const needed = new TextEncoder().encode('{"user":"bo","claims":{}}').length;
		expect(await bo.next()).toEqual(new Uint8Array([needed, 0, 0, 0]));
	});

	it("returns -1 for a client without an identity", async () => {
		const guest = await connect(`/s/wasm-identity/ws/${uniqueRoom()}`);
		guest.send("who");
		expect(await guest.next()).toBe("none");
	});
});
