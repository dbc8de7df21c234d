/**
 * Operating a deployment, end to end against a real `wrangler dev` with an admin secret: the
 * admin API refuses callers without it; the room directory follows real WebSocket clients; the
 * `stateroom rooms` and `stateroom room` commands read and reset rooms; and the operator page,
 * in a real Chromium, shows the rooms live and resets one after a confirmation. A screenshot of
 * the page goes to test-results/admin-page.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/run-main.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { open } from "./client.ts";
import { PROJECT_ROOT } from "./dev-server.ts";
import { SHARED_ADMIN_SECRET, type SharedServer, sharedDevServer } from "./shared-server.ts";

const SECRET = SHARED_ADMIN_SECRET;
const WAIT = { timeout: 15_000 };

let server: SharedServer;

beforeAll(async () => {
	// The operator page's script (public/admin/admin.js) is bundled by the global setup.
	server = await sharedDevServer();
}, 120_000);

function api(path: string, init: RequestInit = {}, secret: string | null = SECRET): Promise<Response> {
	const headers = new Headers(init.headers);
	if (secret !== null) headers.set("authorization", `Bearer ${secret}`);
	return fetch(`${server.http}/admin/api${path}`, { ...init, headers });
}

interface Entry {
	roomId: string;
	clients: number;
	failures: number;
}

/** Polls the directory until the room's entry satisfies `check` (rooms report in the background). */
async function entryWhen(
	service: string,
	room: string,
	check: (entry: Entry | undefined) => boolean,
): Promise<Entry | undefined> {
	const deadline = Date.now() + 10_000;
	let entry: Entry | undefined;
	while (Date.now() < deadline) {
		const response = await api(`/services/${service}/rooms?filter=${encodeURIComponent(room)}`);
		entry = ((await response.json()) as { rooms: Entry[] }).rooms.find((candidate) => candidate.roomId === room);
		if (check(entry)) return entry;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`The entry of ${service}/${room} never matched; last: ${JSON.stringify(entry)}`);
}

/** Waits for a line in wrangler's output (workerd's logs reach it a little later). */
async function logged(pattern: RegExp): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (!pattern.test(server.output())) {
		if (Date.now() > deadline)
			throw new Error(`wrangler dev never printed ${pattern}:\n${server.output().slice(-3000)}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** The CLI against the server, run in this process (test/cli/run-main.ts): the same code, no Node to start. */
const cli = (args: string[], secret = SECRET) =>
	runMain([...args, "--url", server.http], { env: { STATEROOM_ADMIN_SECRET: secret } });

describe("the admin API on wrangler dev", () => {
	it("refuses every route without the secret, and serves the operator page", async () => {
		for (const path of ["/services", "/services/counter/rooms", "/services/counter/rooms/x/state"]) {
			expect((await api(path, {}, null)).status, path).toBe(401);
			expect((await api(path, {}, "wrong")).status, path).toBe(401);
		}
		expect((await api("/services/counter/rooms/x/reset", { method: "POST" }, null)).status).toBe(401);
		expect((await api("/services/counter/rooms/x", { method: "DELETE" }, null)).status).toBe(401);
		for (const path of ["/admin", "/admin/"]) {
			const page = await fetch(`${server.http}${path}`);
			expect(page.status, path).toBe(200);
			expect(await page.text()).toContain("Stateroom operator");
		}
		// The page's sources are not served, only its bundle.
		expect((await fetch(`${server.http}/admin/admin.js`)).status).toBe(200);
		expect((await fetch(`${server.http}/admin/src/admin.ts`)).status).toBe(404);
	});

	it("follows real clients in the directory, and a reset tells them why and starts the room fresh", async () => {
		const room = `e2e-${crypto.randomUUID()}`;
		const a = await open(`${server.ws}/ws/${room}`);
		const b = await open(`${server.ws}/ws/${room}`);
		a.send("increment");
		expect(await a.nextText()).toBe("new value: 1");
		await entryWhen("counter", room, (entry) => entry?.clients === 2);
		await b.close();
		await entryWhen("counter", room, (entry) => entry?.clients === 1);

		const reset = await api(`/services/counter/rooms/${room}/reset`, {
			method: "POST",
			headers: { "x-stateroom-operator": "e2e" },
		});
		expect(reset.status).toBe(200);
		expect(await a.closed).toEqual({ code: 4010, reason: "room reset by an operator" });
		await logged(new RegExp(`admin: operator "e2e" reset service "counter", room "${room}"`));
		const c = await open(`${server.ws}/ws/${room}`);
		c.send("increment");
		expect(await c.nextText()).toBe("new value: 1");
		await entryWhen("counter", room, (entry) => entry?.clients === 1);
		await c.close();
	});
});

describe("stateroom rooms and stateroom room", () => {
	it("list services and rooms, show a room and its state, and reset it", async () => {
		const room = `cli-${crypto.randomUUID()}`;
		const a = await open(`${server.ws}/ws/${room}`);
		a.send("increment");
		expect(await a.nextText()).toBe("new value: 1");
		await entryWhen("counter", room, (entry) => entry?.clients === 1);

		const services = await cli(["rooms"]);
		expect(services.code, services.output).toBe(0);
		expect(services.stdout).toMatch(/^SERVICE\s+LANGUAGE\s+ROOMS\s+CLIENTS\s+FAILING/);
		expect(services.stdout).toMatch(/^counter \(default\)\s+typescript\s+\d+\s+\d+\s+\d+/m);
		expect(services.stdout).toMatch(/^rust-counter\s+wasm/m);

		const rooms = await cli(["rooms", "counter", "--filter", room, "--json"]);
		expect(rooms.code, rooms.output).toBe(0);
		expect(JSON.parse(rooms.stdout)).toMatchObject({ rooms: [{ roomId: room, clients: 1 }], cursor: null });
		const table = await cli(["rooms", "counter", "--filter", room]);
		expect(table.stdout).toMatch(new RegExp(`^ROOM\\s+CLIENTS.*\\n-+.*\\n${room}\\s+1\\s+0\\s`, "m"));

		const details = await cli(["room", "counter", room]);
		expect(details.code, details.output).toBe(0);
		expect(details.stdout).toMatch(/^clients\s+1$/m);
		const state = await cli(["room", "counter", room, "--state"]);
		expect(JSON.parse(state.stdout)).toMatchObject({ language: "typescript", stored: { state: { value: 1 } } });

		const reset = await cli(["room", "counter", room, "--reset", "--operator", "cli-test"]);
		expect(reset.code, reset.output).toBe(0);
		expect(reset.stdout).toContain(`reset service "counter", room "${room}"`);
		expect((await a.closed).code).toBe(4010);
		const after = await cli(["room", "counter", room, "--state"]);
		expect(JSON.parse(after.stdout)).toMatchObject({ stored: { state: null } });
	});

	it("read the secret from the project's .dev.vars when the environment has none", async () => {
		const project = mkdtempSync(join(tmpdir(), "stateroom-devvars-"));
		try {
			writeFileSync(join(project, "wrangler.toml"), 'name = "x"\n');
			writeFileSync(join(project, "package.json"), "{}\n");
			writeFileSync(join(project, ".dev.vars"), `OTHER=1\nSTATEROOM_ADMIN_SECRET="${SECRET}"\n`);
			const result = await runMain(["rooms", "--url", server.http, "--json"], {
				cwd: project,
				env: { STATEROOM_ADMIN_SECRET: undefined },
			});
			expect(result.code, result.output).toBe(0);
			expect(JSON.parse(result.stdout).services.length).toBeGreaterThan(0);
		} finally {
			rmSync(project, { recursive: true, force: true });
		}
	});

	it("fail clearly with a wrong secret, an unknown room, or two actions", async () => {
		const wrong = await cli(["rooms"], "wrong");
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toContain("refused the admin secret (401)");
		const missing = await cli(["room", "counter", `none-${crypto.randomUUID()}`]);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/has no room .*never opened, or it was deleted/);
		const both = await cli(["room", "counter", "x", "--reset", "--delete"]);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain("Give one of --state, --reset and --delete");
	});
});

describe("the operator page in Chromium", () => {
	let browser: TestBrowser;

	beforeAll(async () => {
		browser = await launchBrowser({ width: 1280, height: 1000 });
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	it("signs in, shows rooms live with their clients, and resets a room after a confirmation", async () => {
		const room = `page-${crypto.randomUUID()}`;
		const page = await browser.context.newPage();
		await page.goto(`${server.http}/admin/`);

		// A wrong secret is refused and the form stays.
		await page.getByLabel("Admin secret").fill("wrong");
		await page.getByLabel("Your name").fill("page-operator");
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.locator("#status[data-kind=error]", { hasText: "Wrong admin secret" }).waitFor(WAIT);
		await page.getByLabel("Admin secret").fill(SECRET);
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.locator("#services tbody tr", { hasText: "counter (default)" }).waitFor(WAIT);

		// A room appears in the live table with its client count, which follows the clients.
		const a = await open(`${server.ws}/ws/${room}`);
		const b = await open(`${server.ws}/ws/${room}`);
		a.send("increment");
		a.send("increment");
		expect(await a.nextText()).toBe("new value: 1");
		expect(await a.nextText()).toBe("new value: 2");
		await page.getByLabel("Room id contains").fill(room);
		const row = page.locator(`#rooms tbody tr[data-room="${room}"]`);
		await row.locator("td:nth-child(2)", { hasText: /^2$/ }).waitFor(WAIT);
		await b.close();
		await row.locator("td:nth-child(2)", { hasText: /^1$/ }).waitFor(WAIT);

		// The room's detail shows its stored state; the secret stays in the tab.
		await row.click();
		await page.locator("#room-state", { hasText: '"value": 2' }).waitFor(WAIT);
		await page.locator('#room-details dd[data-field="clients"]', { hasText: /^1$/ }).waitFor(WAIT);
		expect(await page.evaluate(() => sessionStorage.getItem("stateroom-admin"))).toContain(SECRET);

		mkdirSync(join(PROJECT_ROOT, "test-results"), { recursive: true });
		await page.screenshot({ path: join(PROJECT_ROOT, "test-results/admin-page.png"), fullPage: true });

		// Reset: cancelling changes nothing; confirming closes the client with 4010 and empties the state.
		await page.getByRole("button", { name: "Reset…" }).click();
		await page.locator("#confirm[open]").waitFor(WAIT);
		await page.getByRole("button", { name: "Cancel" }).click();
		await page.locator('#room-details dd[data-field="clients"]', { hasText: /^1$/ }).waitFor(WAIT);
		await page.getByRole("button", { name: "Reset…" }).click();
		await page.getByRole("button", { name: "Reset room" }).click();
		expect(await a.closed).toEqual({ code: 4010, reason: "room reset by an operator" });
		await page.locator("#status", { hasText: `Room "${room}" of counter was reset.` }).waitFor(WAIT);
		await page.locator("#room-state", { hasText: '"state": null' }).waitFor(WAIT);
		await logged(new RegExp(`admin: operator "page-operator" reset service "counter", room "${room}"`));

		// Delete: the room leaves the table.
		await page.getByRole("button", { name: "Delete…" }).click();
		await page.getByRole("button", { name: "Delete room" }).click();
		await page.locator("#status", { hasText: `Room "${room}" of counter was deleted.` }).waitFor(WAIT);
		await row.waitFor({ state: "detached", ...WAIT });
		await page.close();
	});
});
