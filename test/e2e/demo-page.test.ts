/**
 * The demo page in a real headless Chromium against a real `wrangler dev`: two pages in one
 * room see each other's counter changes and chat lines, show their connection state and chat
 * client id, can switch rooms, come back from a server restart at the press of "Reconnect now"
 * with the gap marked in the chat, and link a favicon. Screenshots go to test-results/ for a
 * human to look at.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { type DevServer, PROJECT_ROOT, startDevServer } from "./dev-server.ts";

const WAIT = { timeout: 15_000 };

let server: DevServer;
let browser: TestBrowser;

beforeAll(async () => {
	// A server of its own, since one test restarts it; the page's script (public/demo.js) is
	// bundled by the global setup.
	[server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

async function openRoom(room: string): Promise<Page> {
	const page = await browser.context.newPage();
	await page.goto(`${server.http}/?room=${encodeURIComponent(room)}`);
	await page.locator("#counter-state[data-state=open]").waitFor(WAIT);
	await page.locator("#chat-state[data-state=open]").waitFor(WAIT);
	return page;
}

/** The chat client id the page shows, from the service's welcome event. */
async function clientId(page: Page): Promise<number> {
	await expectText(page, "#chat-identity", /client id \d+/);
	const text = (await page.locator("#chat-identity").textContent()) ?? "";
	return Number(/client id (\d+)/.exec(text)?.[1]);
}

async function expectText(page: Page, selector: string, pattern: RegExp): Promise<void> {
	await page.waitForFunction(
		({ selector, source }) => new RegExp(source).test(document.querySelector(selector)?.textContent ?? ""),
		{ selector, source: pattern.source },
		WAIT,
	);
}

describe("the demo page", () => {
	it("shares the counter and the chat between two pages in one room", async () => {
		const room = `demo-${crypto.randomUUID()}`;
		const alice = await openRoom(room);
		const bob = await openRoom(room);

		// Both start from the room's value, asked for on connect.
		await expectText(alice, "#counter-value", /^0$/);
		await expectText(bob, "#counter-value", /^0$/);
		await alice.getByRole("button", { name: "Increment" }).click();
		await alice.getByRole("button", { name: "Increment" }).click();
		await expectText(bob, "#counter-value", /^2$/);
		await bob.getByRole("button", { name: "Decrement" }).click();
		await expectText(alice, "#counter-value", /^1$/);
		expect(await alice.locator("#counter-url").textContent()).toBe(`/ws/${room}`);

		// Each page shows its own chat client id; they differ.
		const aliceId = await clientId(alice);
		const bobId = await clientId(bob);
		expect(aliceId).toBeGreaterThan(0);
		expect(bobId).not.toBe(aliceId);
		await expectText(alice, "#chat-log", new RegExp(`guest-${bobId} joined\\.`));

		await alice.getByRole("textbox", { name: "Message" }).fill("hello from alice");
		await alice.getByRole("button", { name: "Send" }).click();
		await expectText(bob, "#chat-log", new RegExp(`guest-${aliceId}: hello from alice`));
		await bob.getByRole("textbox", { name: "Message" }).fill("/nick bob");
		await bob.keyboard.press("Enter");
		await expectText(alice, "#chat-log", new RegExp(`guest-${bobId} is now bob\\.`));
		await expectText(bob, "#chat-identity", /You are bob/);
		await bob.getByRole("textbox", { name: "Message" }).fill("hi alice");
		await bob.keyboard.press("Enter");
		await expectText(alice, "#chat-log", /bob: hi alice/);

		mkdirSync(join(PROJECT_ROOT, "test-results"), { recursive: true });
		await alice.screenshot({ path: join(PROJECT_ROOT, "test-results/demo-page.png"), fullPage: true });
		await alice.close();
		await bob.close();
	}, 90_000);

	it("comes back at once after a server restart with Reconnect now, and marks the gap in the chat", async () => {
		const room = `demo-${crypto.randomUUID()}`;
		const page = await openRoom(room);
		await page.getByRole("button", { name: "Increment" }).click();
		await page.getByRole("button", { name: "Increment" }).click();
		await expectText(page, "#counter-value", /^2$/);
		const before = await clientId(page);
		// Every state the counter's badge shows from here on, in order.
		await page.evaluate(() => {
			const badge = document.querySelector<HTMLElement>("#counter-state");
			const seen: string[] = [];
			(window as unknown as { counterStates: string[] }).counterStates = seen;
			if (badge)
				new MutationObserver(() => seen.push(badge.dataset.state ?? "")).observe(badge, {
					attributeFilter: ["data-state"],
				});
		});

		await server.pause();
		await page.locator("#counter-state[data-state=reconnecting]").waitFor(WAIT);
		await page.locator("#chat-state[data-state=reconnecting]").waitFor(WAIT);
		// The gap is marked while it lasts, not only once it is over.
		await expectText(page, "#chat-log li.gap", /^— disconnected at \d\d:\d\d:\d\d …$/);
		await expectText(page, "#chat-identity", /^Disconnected: the next connection is a new client\.$/);

		mkdirSync(join(PROJECT_ROOT, "test-results"), { recursive: true });
		await page.screenshot({ path: join(PROJECT_ROOT, "test-results/demo-page-disconnected.png"), fullPage: true });

		await server.restart();
		await page.getByRole("button", { name: "Reconnect now: counter" }).click();
		await page.locator("#counter-state[data-state=open]").waitFor(WAIT);
		// "connecting" is only ever shown for an attempt made at once (first load or reconnect()):
		// attempts scheduled by the backoff show "reconnecting" until they open.
		const states = await page.evaluate(() => (window as unknown as { counterStates: string[] }).counterStates);
		expect(states).toContain("connecting");
		expect(states.at(-1)).toBe("open");
		// The room kept its value: the next increment answers 3.
		await page.getByRole("button", { name: "Increment" }).click();
		await expectText(page, "#counter-value", /^3$/);

		// The chat, left alone, comes back by itself within the page's short backoff cap, and the
		// gap marker is completed. The new connection is a new client.
		await page.locator("#chat-state[data-state=open]").waitFor(WAIT);
		await expectText(page, "#chat-log li.gap", /^— disconnected at \d\d:\d\d:\d\d … reconnected at \d\d:\d\d:\d\d —$/);
		await expectText(page, "#chat-identity", /client id \d+/);
		expect(await clientId(page)).not.toBe(before);
		await page.getByRole("textbox", { name: "Message" }).fill("back after the restart");
		await page.getByRole("button", { name: "Send" }).click();
		await expectText(page, "#chat-log", /: back after the restart$/);

		// Reconnect now also works on an open panel: a new connection, and a second marked gap.
		await page.getByRole("button", { name: "Reconnect now: chat" }).click();
		await page.waitForFunction(() => document.querySelectorAll("#chat-log li.gap").length === 2, undefined, WAIT);
		await page.locator("#chat-state[data-state=open]").waitFor(WAIT);

		await page.screenshot({ path: join(PROJECT_ROOT, "test-results/demo-page-reconnected.png"), fullPage: true });
		await page.close();
	}, 120_000);

	it("links a favicon that is served and decodes, so a browser has no reason to ask for /favicon.ico", async () => {
		// Headless Chromium fetches no icons at all, so the test follows the link itself.
		const page = await browser.context.newPage();
		await page.goto(`${server.http}/?room=demo-${crypto.randomUUID()}`);
		const href = await page.locator('link[rel="icon"]').evaluate((link: HTMLLinkElement) => link.href);
		expect(new URL(href).pathname).toBe("/favicon.svg");
		const icon = await page.request.get(href);
		expect(icon.status()).toBe(200);
		expect(icon.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
		const size = await page.evaluate(async (src) => {
			const image = new Image();
			image.src = src;
			await image.decode();
			return [image.naturalWidth, image.naturalHeight];
		}, href);
		expect(size).toEqual([32, 32]);
		await page.close();
	}, 30_000);

	it("switches rooms from the form, with the room in the URL", async () => {
		const first = `demo-${crypto.randomUUID()}`;
		const second = `demo-${crypto.randomUUID()}`;
		const page = await openRoom(first);
		await page.getByRole("button", { name: "Increment" }).click();
		await expectText(page, "#counter-value", /^1$/);

		await page.getByRole("textbox", { name: "Room" }).fill(second);
		await page.getByRole("button", { name: "Switch room" }).click();
		await page.waitForURL(`**/?room=${second}`, WAIT);
		await page.locator("#counter-state[data-state=open]").waitFor(WAIT);
		// A fresh room: its own counter, and a new chat connection there.
		await expectText(page, "#counter-value", /^0$/);
		expect(await page.locator("#chat-url").textContent()).toBe(`/s/chat/ws/${second}`);
		await page.close();
	}, 60_000);

	it("picks a fresh room, and puts it in the URL, when none is given", async () => {
		const page = await browser.context.newPage();
		await page.goto(`${server.http}/`);
		await page.waitForURL(/\?room=demo-[0-9a-f]{8}$/, WAIT);
		const room = new URL(page.url()).searchParams.get("room");
		expect(await page.getByRole("textbox", { name: "Room" }).inputValue()).toBe(room);
		await page.close();
	}, 30_000);
});
