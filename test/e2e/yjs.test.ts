/**
 * The Yjs service (stateroom/yjs) with real clients: Node `Y.Doc`s connected through
 * y-websocket's own `WebsocketProvider` (over the `ws` package), against the shared
 * `wrangler dev`. The providers are used as an editor would use them, with nothing but the URL
 * pointing at Stateroom.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { DevServer } from "./dev-server.ts";
import { sharedDevServer } from "./shared-server.ts";

let server: DevServer;
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
	server = await sharedDevServer();
});

afterEach(() => {
	for (const provider of providers.splice(0)) leave(provider);
});

/** Disconnects a provider for good, and ends its document (and with it the awareness's timer). */
function leave(provider: WebsocketProvider): void {
	provider.destroy();
	provider.doc.destroy();
}

/** A document connected to `room` of the `yjs` service, synced with the server. */
async function join(room: string): Promise<{ doc: Y.Doc; provider: WebsocketProvider; text: Y.Text }> {
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(`${server.ws}/s/yjs/ws`, room, doc, {
		// ws's class is the WebSocket y-websocket expects, typed after Node's own.
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
	});
	providers.push(provider);
	await until(() => provider.synced, `${room} to sync`);
	return { doc, provider, text: doc.getText("t") };
}

/** Waits (bounded) until `done()` holds. */
async function until(done: () => boolean, what: string, ms = 15_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!done()) {
		if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const roomName = () => `yjs-${crypto.randomUUID()}`;

describe("the yjs service with y-websocket's WebsocketProvider", () => {
	it("two documents converge through a room, and awareness reaches the other", { timeout: 60_000 }, async () => {
		const room = roomName();
		const a = await join(room);
		const b = await join(room);
		a.text.insert(0, "hello");
		b.doc.getMap("meta").set("title", "notes");
		await until(() => b.text.toString() === "hello", "b to see a's text");
		await until(() => a.doc.getMap("meta").get("title") === "notes", "a to see b's map");
		a.provider.awareness.setLocalStateField("user", { name: "ada" });
		await until(
			() =>
				(b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { name: string } } | undefined)?.user
					?.name === "ada",
			"b to see a's presence",
		);
	});

	it("a client that joins after everyone left and the server was killed gets the whole document from the server", {
		timeout: 120_000,
	}, async () => {
		const room = roomName();
		const a = await join(room);
		const b = await join(room);
		a.text.insert(0, "written by a. ");
		b.text.insert(0, "written by b. ");
		const full = () => a.text.length === 28 && b.text.length === 28;
		await until(full, "both to converge");
		expect(a.text.toString()).toBe(b.text.toString());
		const expected = a.text.toString();
		for (const provider of providers.splice(0)) provider.destroy();
		await server.kill();
		await server.restart();
		const c = await join(room);
		expect(c.text.toString()).toBe(expected);
	});

	it("an update storm from three clients at once converges, and the server holds the result", {
		timeout: 90_000,
	}, async () => {
		const room = roomName();
		const clients = [await join(room), await join(room), await join(room)];
		// Each client sends one update per insert: 100 each, under the default rate limit's burst.
		const EDITS = 100;
		clients.forEach(({ text }, writer) => {
			for (let index = 0; index < EDITS; index++) text.insert(Math.floor(text.length / 2), String(writer));
		});
		const total = clients.length * EDITS;
		await until(() => clients.every(({ text }) => text.length === total), "every client to see every edit", 30_000);
		const [first, ...rest] = clients.map(({ text }) => text.toString());
		for (const other of rest) expect(other).toBe(first);
		const late = await join(room);
		expect(late.text.toString()).toBe(first);
	});
});
