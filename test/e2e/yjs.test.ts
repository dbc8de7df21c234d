/**
 * The Yjs service (stateroom/yjs) with real clients: Node `Y.Doc`s connected through
 * y-websocket's own `WebsocketProvider` and y-partyserver's `YProvider` (over the `ws`
 * package), against a `wrangler dev` of its own (one test kills it). The providers are used as
 * an editor would use them, with nothing but the URL pointing at Stateroom.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import YProvider from "y-partyserver/provider";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { type DevServer, startDevServer } from "./dev-server.ts";

let server: DevServer;

/** What the tests use of either provider (y-partyserver's is its own copy of y-websocket's). */
interface Provider {
	readonly doc: Y.Doc;
	readonly synced: boolean;
	readonly awareness: WebsocketProvider["awareness"];
	/** The connection now open (a reconnection replaces it). */
	readonly ws: globalThis.WebSocket | null;
	destroy(): void;
}

const providers: Provider[] = [];

beforeAll(async () => {
	server = await startDevServer();
});

afterAll(async () => {
	await server?.stop();
});

afterEach(() => {
	for (const provider of providers.splice(0)) leave(provider);
});

/** Disconnects a provider for good, and ends its document (and with it the awareness's timer). */
function leave(provider: Provider): void {
	provider.destroy();
	provider.doc.destroy();
}

// ws's class is the WebSocket the providers expect, typed after Node's own.
const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket;

/** A document connected to `room` of the `yjs` service, synced with the server. */
async function join(
	room: string,
	client: "y-websocket" | "y-partyserver" = "y-websocket",
	resyncInterval = -1,
): Promise<{ doc: Y.Doc; provider: Provider; text: Y.Text }> {
	const doc = new Y.Doc();
	const options = { WebSocketPolyfill: NodeWebSocket, disableBc: true, resyncInterval };
	const provider =
		client === "y-websocket"
			? new WebsocketProvider(`${server.ws}/s/yjs/ws`, room, doc, options)
			: // As docs/yjs.md says: the host, and the whole path as the prefix.
				new YProvider(new URL(server.ws).host, room, doc, { ...options, prefix: `/s/yjs/ws/${room}` });
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

describe("the yjs service with y-partyserver's YProvider", () => {
	it("a YProvider and a WebsocketProvider edit one document and converge, and a late YProvider gets it from the server alone", {
		timeout: 60_000,
	}, async () => {
		const room = roomName();
		const party = await join(room, "y-partyserver");
		const plain = await join(room, "y-websocket");
		party.text.insert(0, "from y-partyserver. ");
		plain.text.insert(0, "from y-websocket. ");
		plain.doc.getMap("meta").set("title", "shared");
		const full = () => party.text.length === 38 && plain.text.length === 38;
		await until(full, "both to converge");
		expect(party.text.toString()).toBe(plain.text.toString());
		await until(() => party.doc.getMap("meta").get("title") === "shared", "the YProvider to see the map");
		party.provider.awareness.setLocalStateField("user", { name: "grace" });
		await until(
			() =>
				(plain.provider.awareness.getStates().get(party.doc.clientID) as { user?: { name: string } } | undefined)?.user
					?.name === "grace",
			"the WebsocketProvider to see the YProvider's presence",
		);
		const expected = party.text.toString();
		for (const provider of providers.splice(0)) leave(provider);
		const late = await join(room, "y-partyserver");
		expect(late.text.toString()).toBe(expected);
		expect(late.doc.getMap("meta").get("title")).toBe("shared");
	});
});

describe("the yjs service with providers that resync", () => {
	it("answers every resync of a YProvider and a WebsocketProvider on one connection each, and they keep converging", {
		timeout: 60_000,
	}, async () => {
		const room = roomName();
		const writer = await join(room);
		writer.text.insert(0, "z".repeat(100_000));
		writer.text.delete(10, 50_000);
		const resyncing = [await join(room, "y-websocket", 20), await join(room, "y-partyserver", 20)];
		const RESYNCS = 50;
		for (const { provider, text } of resyncing) {
			await until(() => text.length === 50_000, "the resyncing provider to have the document");
			const socket = provider.ws;
			if (socket === null) throw new Error("the provider has no connection");
			let answers = 0;
			socket.addEventListener("message", (event) => {
				const frame = new Uint8Array(event.data as ArrayBuffer);
				if (frame[0] === 0 && frame[1] === 1) answers += 1;
			});
			await until(() => answers >= RESYNCS, `${RESYNCS} answers to the provider's resyncs`);
			expect(provider.ws).toBe(socket);
		}
		writer.text.insert(0, "after the resyncs ");
		for (const { text } of resyncing) await until(() => text.toString() === writer.text.toString(), "convergence");
	});
});
