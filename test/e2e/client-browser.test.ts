/**
 * The client library in a real browser (Chromium, through playwright-core) against a real
 * `wrangler dev`: the library bundles for the browser with esbuild (no Node-only imports), and
 * the browser's own WebSocket connects, exchanges messages and rides out a server restart.
 */
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { type DevServer, PROJECT_ROOT, startDevServer } from "./dev-server.ts";

let server: DevServer;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
	const bundle = await build({
		entryPoints: [`${PROJECT_ROOT}/client/index.ts`],
		bundle: true,
		platform: "browser",
		format: "iife",
		globalName: "StateroomClient",
		write: false,
		logLevel: "silent",
	});
	// A server of its own: both tests take it down.
	[server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
	page = await browser.context.newPage();
	// A page on the dev server's origin, as the demo page would be.
	await page.goto(`${server.http}/status`);
	await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? "" });
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

/** What the page-side clients reported; set up by `openClients` in the page. */
interface PageClient {
	states: string[];
	texts: string[];
	closes: string[];
}

type PageWindow = typeof globalThis & {
	StateroomClient: typeof import("../../client/index.ts");
	clients: { room: import("../../client/index.ts").RoomSocket; seen: PageClient }[];
};

async function openClients(roomId: string, count: number): Promise<void> {
	await page.evaluate(
		({ roomId, count }) => {
			const w = window as unknown as PageWindow;
			w.clients = Array.from({ length: count }, () => {
				const room = w.StateroomClient.connectRoom(
					{ host: location.host, room: roomId },
					{ backoff: { baseMs: 100, capMs: 500 } },
				);
				const seen: PageClient = { states: [room.state], texts: [], closes: [] };
				room.on("close", ({ code, reason }) => seen.closes.push(`${code} ${reason}`));
				room.on("state", ({ state }) => seen.states.push(state));
				room.on("message", (message) => {
					if (message.kind === "text") seen.texts.push(message.text);
				});
				return { room, seen };
			});
		},
		{ roomId, count },
	);
}

async function waitInPage(what: string, predicate: string, ms = 10_000): Promise<void> {
	try {
		await page.waitForFunction(predicate, undefined, { timeout: ms, polling: 20 });
	} catch (error) {
		const seen = await page.evaluate(() => (window as unknown as PageWindow).clients.map((c) => c.seen));
		throw new Error(`timed out waiting for ${what}: ${JSON.stringify(seen)}\n${server.output().slice(-3000)}`, {
			cause: error,
		});
	}
}

describe("RoomSocket in Chromium", () => {
	it("bundles for the browser and two page clients ride out a server restart", { timeout: 120_000 }, async () => {
		await openClients(crypto.randomUUID(), 2);
		await waitInPage("both open", "window.clients.every((c) => c.room.state === 'open')");
		expect(await page.evaluate(() => (window as unknown as PageWindow).clients[0]?.room.send("increment"))).toBe(
			"sent",
		);
		await waitInPage("1 at both", "window.clients.every((c) => c.seen.texts.includes('new value: 1'))");

		await server.pause();
		await waitInPage("both notice", "window.clients.every((c) => c.room.state === 'reconnecting')");
		// Sent while the server is down: held, then delivered once it is back.
		expect(await page.evaluate(() => (window as unknown as PageWindow).clients[1]?.room.send("increment"))).toBe(
			"queued",
		);
		await server.restart();
		// The sender sees its own queued increment applied to the stored value. (The other client
		// may reopen a moment later and miss that broadcast: rooms do not replay.)
		await waitInPage("2 at the sender", "window.clients[1].seen.texts.includes('new value: 2')", 60_000);
		await waitInPage("both reopened", "window.clients.every((c) => c.room.state === 'open')");
		expect(await page.evaluate(() => (window as unknown as PageWindow).clients[0]?.room.send("increment"))).toBe(
			"sent",
		);
		await waitInPage("3 at both", "window.clients.every((c) => c.seen.texts.includes('new value: 3'))");

		const seen = await page.evaluate(() => (window as unknown as PageWindow).clients.map((c) => c.seen));
		for (const client of seen) {
			expect(client.states.slice(0, 3)).toEqual(["connecting", "open", "reconnecting"]);
			expect(client.states.at(-1)).toBe("open");
		}
		expect(seen[1]?.texts).toEqual(["new value: 1", "new value: 2", "new value: 3"]);
		await page.evaluate(() => {
			for (const client of (window as unknown as PageWindow).clients) client.room.close();
		});
	});
});

/** What the page's StateroomSocket fired, each event with the readyState its listener saw. */
type SocketWindow = typeof globalThis & {
	StateroomClient: typeof import("../../client/index.ts");
	socket: import("../../client/index.ts").StateroomSocket;
	log: string[];
};

describe("StateroomSocket in Chromium", () => {
	it("behaves as a WebSocket that fires close and open again across a server restart", {
		timeout: 120_000,
	}, async () => {
		const roomId = crypto.randomUUID();
		await page.evaluate((roomId) => {
			const w = window as unknown as SocketWindow;
			w.log = [];
			// A plain URL string, as code written for WebSocket passes one.
			const socket = new w.StateroomClient.StateroomSocket(`ws://${location.host}/ws/${roomId}`, undefined, {
				backoff: { baseMs: 100, capMs: 500 },
			});
			w.socket = socket;
			socket.onopen = () => w.log.push(`open ${socket.readyState}`);
			socket.onmessage = (event) => w.log.push(`message ${event instanceof MessageEvent} ${event.data}`);
			socket.addEventListener("close", (event) =>
				w.log.push(`close ${event instanceof CloseEvent} ${event.code} ${event.wasClean} ${socket.readyState}`),
			);
			socket.addEventListener("error", (event) => w.log.push(`error ${event.message}`));
		}, roomId);
		const log = () => page.evaluate(() => (window as unknown as SocketWindow).log);
		const waitLog = (what: string, predicate: string, ms = 10_000) =>
			page.waitForFunction(predicate, undefined, { timeout: ms, polling: 20 }).catch(async (error) => {
				throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await log())}`, { cause: error });
			});

		await waitLog("open", "window.log.includes('open 1')");
		expect(await page.evaluate(() => (window as unknown as SocketWindow).socket.send("increment"))).toBe("sent");
		await waitLog("1", "window.log.includes('message true new value: 1')");

		await server.pause();
		await waitLog("the close", "window.log.some((line) => line.startsWith('close'))");
		// Sent while the server is down: queued, where a WebSocket would throw.
		expect(
			await page.evaluate(() => {
				const socket = (window as unknown as SocketWindow).socket;
				return [socket.readyState, socket.send("increment"), socket.bufferedAmount];
			}),
		).toEqual([0, "queued", 9]);
		await server.restart();
		await waitLog("2, after open again", "window.log.includes('message true new value: 2')", 60_000);

		await page.evaluate(() => (window as unknown as SocketWindow).socket.close(4000, "done"));
		await waitLog("the final close", "window.log.at(-1).startsWith('close')");
		const seen = await log();
		// Every failed attempt while the server was down also fired close (readyState 0).
		const drops = seen.slice(2, seen.lastIndexOf("open 1"));
		expect(drops.length).toBeGreaterThan(0);
		for (const line of drops) expect(line).toMatch(/^close true 10\d\d (true|false) 0$/);
		expect(seen.slice(0, 2)).toEqual(["open 1", "message true new value: 1"]);
		expect(seen.slice(-3)).toEqual(["open 1", "message true new value: 2", "close true 4000 true 3"]);
		expect(await page.evaluate(() => (window as unknown as SocketWindow).socket.readyState)).toBe(3);
	});
});
