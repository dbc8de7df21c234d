/**
 * The operator page where Stateroom is mounted under a prefix: a real `wrangler dev` of the
 * mounted app (test/fixtures/mounted-worker/, a Hono app that serves Stateroom under /rooms and
 * the page at /rooms/admin/), and a real Chromium that signs in there. The page calls the admin
 * API relative to where it is served, so it reaches /rooms/admin/api: the app has nothing at
 * /admin/api, so listing the services proves the page followed the prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { open } from "./client.ts";
import { type DevServer, startDevServer } from "./dev-server.ts";

const CONFIG = "test/fixtures/mounted-worker/wrangler.toml";
const SECRET = "mounted-operator-secret-0123456789abcdef";
const WAIT = { timeout: 15_000 };

let server: DevServer | undefined;
let browser: TestBrowser | undefined;

beforeAll(async () => {
	// The operator page's script (public/admin/admin.js) is bundled by the global setup.
	server = await startDevServer({ args: ["--config", CONFIG, "--var", `STATEROOM_ADMIN_SECRET:${SECRET}`] });
	browser = await launchBrowser({ width: 1280, height: 900 });
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

describe("the operator page under a prefix", () => {
	it("signs in at /rooms/admin/, lists the services and follows a room, all through /rooms/admin/api", async () => {
		if (!server || !browser) throw new Error("not started");
		// Nothing answers the admin API at the root: only the prefixed one exists.
		expect((await fetch(`${server.http}/admin/api/services`)).status).toBe(404);
		const page = await browser.context.newPage();
		const calls: string[] = [];
		page.on("request", (request) => {
			const { pathname } = new URL(request.url());
			if (pathname.includes("/api/")) calls.push(pathname);
		});
		await page.goto(`${server.http}/rooms/admin/`);
		await page.getByLabel("Admin secret").fill(SECRET);
		await page.getByLabel("Your name").fill("mounted-operator");
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.locator("#services tbody tr", { hasText: "counter (default)" }).waitFor(WAIT);
		await page.locator("#services tbody tr", { hasText: "news" }).waitFor(WAIT);

		const room = `mounted-${crypto.randomUUID()}`;
		const client = await open(`${server.ws}/rooms/ws/${room}`);
		client.send("increment");
		expect(await client.nextText()).toBe("new value: 1");
		await page.getByLabel("Room id contains").fill(room);
		await page.locator(`#rooms tbody tr[data-room="${room}"] td:nth-child(2)`, { hasText: /^1$/ }).waitFor(WAIT);
		await client.close();
		expect(calls.length).toBeGreaterThan(0);
		expect(calls.filter((path) => !path.startsWith("/rooms/admin/api/"))).toEqual([]);
		await page.close();
	});
});
