/**
 * The guest SDKs' wrappers of the `env.stateroom_identity` extension, through real rooms: the
 * Rust and AssemblyScript `whoami` examples (guests/rust/examples/whoami.rs,
 * services/assemblyscript/whoami.ts) tell each client the identity it joined with, or
 * "anonymous". The v1 examples, which never call the wrapper, do not import the extension.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import asCounter from "../../build/wasm/as-counter.wasm";
import asWhoami from "../../build/wasm/as-whoami.wasm";
import rustCounter from "../../build/wasm/rust-counter.wasm";
import rustWhoami from "../../build/wasm/rust-whoami.wasm";
import { mintJoinToken } from "../../src/access/index.ts";
import { connect, uniqueRoom } from "./socket.ts";

const secret = (env as unknown as Record<string, string>).STATEROOM_TOKEN_SECRET ?? "";

const examples = [
	{ language: "Rust", open: "rust-whoami", gated: "wasm-rust-whoami-private" },
	{ language: "AssemblyScript", open: "as-whoami", gated: "wasm-as-whoami-private" },
] as const;

describe.each(examples)("the $language SDK's identity wrapper", ({ open, gated }) => {
	it("reads the user id and claims of a client that joined with a token", async () => {
		const room = uniqueRoom();
		const jwt = await mintJoinToken(secret, {
			service: gated,
			room,
			user: "ann",
			claims: { role: "admin", team: "ünïcode ✓" },
			ttlSeconds: 60,
		});
		const ann = await connect(`/s/${gated}/ws/${room}?token=${jwt}`);
		const expected = '{"user":"ann","claims":{"role":"admin","team":"ünïcode ✓"}}';
		expect(await ann.next()).toBe(expected);
		ann.send("again");
		expect(await ann.next()).toBe(expected);
	});

	it("tells two clients of one room apart", async () => {
		const room = uniqueRoom();
		const mint = (user: string) => mintJoinToken(secret, { service: gated, room, user, ttlSeconds: 60 });
		const ann = await connect(`/s/${gated}/ws/${room}?token=${await mint("ann")}`);
		const bo = await connect(`/s/${gated}/ws/${room}?token=${await mint("bo")}`);
		expect(await ann.next()).toBe('{"user":"ann","claims":{}}');
		expect(await bo.next()).toBe('{"user":"bo","claims":{}}');
		expect(await ann.quiet()).toEqual([]);
	});

	it("reads an identity longer than its first buffer (a second call of the size the host asks for)", async () => {
		const room = uniqueRoom();
		const note = "x".repeat(1000);
		const jwt = await mintJoinToken(secret, { service: gated, room, user: "cy", claims: { note }, ttlSeconds: 60 });
		const cy = await connect(`/s/${gated}/ws/${room}?token=${jwt}`);
		expect(await cy.next()).toBe(JSON.stringify({ user: "cy", claims: { note } }));
	});

	it("answers anonymous for a client without an identity", async () => {
		const guest = await connect(`/s/${open}/ws/${uniqueRoom()}`);
		expect(await guest.next()).toBe("anonymous");
		guest.send("again");
		expect(await guest.next()).toBe("anonymous");
	});
});

/** The imports a module asks for, as `module.name`. */
function importsOf(module: WebAssembly.Module): string[] {
	return WebAssembly.Module.imports(module).map((entry) => `${entry.module}.${entry.name}`);
}

describe("v1 guests stay v1", () => {
	it.each([
		["rust-counter", rustCounter],
		["as-counter", asCounter],
	])("%s, which never asks who a client is, does not import env.stateroom_identity", (_name, module) => {
		expect(importsOf(module)).toContain("env.stateroom_send");
		expect(importsOf(module)).not.toContain("env.stateroom_identity");
	});

	it.each([
		["rust-whoami", rustWhoami],
		["as-whoami", asWhoami],
	])("%s, which does, imports it", (_name, module) => {
		expect(importsOf(module)).toContain("env.stateroom_identity");
	});
});
