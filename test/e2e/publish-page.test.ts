/**
 * The operator page shows published services (which version runs) and a published service's
 * versions, and runs another version after a confirmation: in a real Chromium, against the shared
 * `wrangler dev`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/run-main.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { SHARED_ADMIN_SECRET, type SharedServer, sharedDevServer } from "./shared-server.ts";

const WAIT = { timeout: 15_000 };
let server: SharedServer;
let browser: TestBrowser | undefined;

beforeAll(async () => {
	// The operator page's script (public/admin/admin.js) is bundled by the global setup.
	server = await sharedDevServer();
}, 120_000);

afterAll(async () => {
	await browser?.close();
});

/** Publishes with the CLI; the version it published. */
async function publish(file: string, service: string): Promise<string> {
	const result = await runMain(["publish", file, "--service", service, "--url", server.http, "--json"], {
		env: { STATEROOM_ADMIN_SECRET: SHARED_ADMIN_SECRET, STATEROOM_PUBLISH_KEY: undefined },
	});
	expect(result.code, result.output).toBe(0);
	return (JSON.parse(result.stdout) as { published: { version: string } }).published.version;
}

describe("the operator page with published services", () => {
	it("lists a published service's versions and runs an earlier one", async () => {
		const service = `page-${crypto.randomUUID().slice(0, 8)}`;
		const older = await publish("test/fixtures/published/counter.ts", service);
		const newer = await publish("test/fixtures/published/counter-v2.ts", service);

		browser = await launchBrowser({ width: 1280, height: 1000 });
		const page = await browser.context.newPage();
		await page.goto(`${server.http}/admin/?service=${service}`);
		await page.getByLabel("Admin secret").fill(SHARED_ADMIN_SECRET);
		await page.getByLabel("Your name").fill("page-operator");
		await page.getByRole("button", { name: "Sign in" }).click();
		const serviceRow = page.locator(`#services tbody tr[data-service="${service}"]`);
		await serviceRow.locator("td", { hasText: `published ${newer.slice(0, 12)}` }).waitFor(WAIT);
		await serviceRow.locator("td", { hasText: "typescript" }).waitFor(WAIT);
		await page.locator(`#services tbody tr[data-service="counter"] td`, { hasText: "bundled" }).waitFor(WAIT);

		const versions = page.locator("#versions-panel");
		await versions.waitFor(WAIT);
		await versions.locator(`tr[data-version="${newer}"] td`, { hasText: "running" }).waitFor(WAIT);
		const olderRow = versions.locator(`tr[data-version="${older}"]`);
		await olderRow.locator("td", { hasText: "admin:" }).waitFor(WAIT);
		await olderRow.getByRole("button", { name: "Run this version" }).click();
		await page.getByRole("button", { name: "Run version" }).click();
		await page.locator("#status", { hasText: `${service} now runs version ${older.slice(0, 12)}.` }).waitFor(WAIT);
		await olderRow.locator("td", { hasText: "running" }).waitFor(WAIT);

		const response = await fetch(`${server.http}/admin/api/published/${service}`, {
			headers: { authorization: `Bearer ${SHARED_ADMIN_SECRET}` },
		});
		expect(((await response.json()) as { active: string }).active).toBe(older);
		await page.close();
	});
});
