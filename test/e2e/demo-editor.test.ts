/**
 * The demo page's shared text (the Yjs service through y-websocket's provider) in a real
 * headless Chromium against the shared `wrangler dev`: two pages type into one room at the
 * same time and end with the same text, see each other in the presence list, and a page opened
 * later gets the text from the server. A screenshot goes to test-results/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { PROJECT_ROOT } from "./dev-server.ts";
import { type SharedServer, sharedDevServer } from "./shared-server.ts";

const WAIT = { timeout: 15_000 };

let server: SharedServer;
let browser: TestBrowser;

beforeAll(async () => {
	// The page's script (public/demo.js) is bundled by the global setup.
	[server, browser] = await Promise.all([sharedDevServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
	await browser?.close();
});

async function openEditor(room: string): Promise<Page> {
	const page = await browser.context.newPage();
	await page.goto(`${server.http}/?room=${encodeURIComponent(room)}`);
	await page.locator("#editor-state[data-state=open]").waitFor(WAIT);
	return page;
}

const editorText = (page: Page) => page.getByRole("textbox", { name: "Shared text" }).inputValue();

describe("the demo page's shared text", () => {
	it("converges when two pages type at once, shows who is here, and keeps the text for a later page", async () => {
		const room = `demo-${crypto.randomUUID()}`;
		const alice = await openEditor(room);
		const bob = await openEditor(room);
		expect(await alice.locator("#editor-url").textContent()).toBe(`/s/yjs/ws/${room}`);
		await alice.locator("#editor-people li").nth(1).waitFor(WAIT);
		await bob.locator("#editor-people li").nth(1).waitFor(WAIT);
		await expect.poll(() => alice.locator("#editor-people").textContent()).toMatch(/\(you\)/);

		const typed = { alice: "alice types here. ", bob: "bob types too! " };
		await Promise.all([
			alice.getByRole("textbox", { name: "Shared text" }).pressSequentially(typed.alice, { delay: 15 }),
			bob.getByRole("textbox", { name: "Shared text" }).pressSequentially(typed.bob, { delay: 15 }),
		]);
		const length = typed.alice.length + typed.bob.length;
		await expect.poll(() => editorText(alice), WAIT).toHaveLength(length);
		await expect.poll(() => editorText(bob), WAIT).toHaveLength(length);
		const text = await editorText(alice);
		expect(await editorText(bob)).toBe(text);
		// Every character each page typed is there, in whatever interleaving the two made.
		const sorted = (value: string) => [...value].sort().join("");
		expect(sorted(text)).toBe(sorted(typed.alice + typed.bob));

		mkdirSync(join(PROJECT_ROOT, "test-results"), { recursive: true });
		await alice.screenshot({ path: join(PROJECT_ROOT, "test-results/demo-editor.png"), fullPage: true });
		await alice.close();
		await bob.close();

		const later = await openEditor(room);
		await expect.poll(() => editorText(later), WAIT).toBe(text);
		await later.close();
	}, 90_000);
});
