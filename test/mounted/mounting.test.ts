/**
 * Stateroom mounted inside a Worker of its own (test/fixtures/mounted-worker/): a Hono app that
 * hands /rooms/* to `stateroom.route` first, and binds the namespaces as GAME_ROOMS and
 * GAME_DIRECTORY. Runs in workerd as the `mounted` project's main Worker.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Counter } from "../../services/counter.ts";
import { roomName } from "../../src/naming.ts";
import { createStateroom, defineServices } from "../../src/public.ts";
import { plain, stateroom } from "../fixtures/mounted-worker/worker.ts";
import { Inbox } from "../shared/inbox.ts";

/** This project's bindings (test/fixtures/mounted-worker/wrangler.toml); `env` is typed for the root Worker's. */
const mounted = env as unknown as Record<string, unknown> & {
	readonly GAME_ROOMS: DurableObjectNamespace;
	readonly GAME_DIRECTORY: DurableObjectNamespace;
};
const BASE = "http://localhost";
const ADMIN_SECRET = "mounted-admin-secret";

const get = (path: string, init?: RequestInit, base = BASE) => exports.default.fetch(`${base}${path}`, init);

function upgradeHeaders(): Record<string, string> {
	return {
		Upgrade: "websocket",
		Connection: "Upgrade",
		"Sec-WebSocket-Key": btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))),
		"Sec-WebSocket-Version": "13",
	};
}

/** Accepts the WebSocket of an upgrade response and queues what arrives. */
async function socketOf(response: Response) {
	const socket = response.webSocket;
	if (!socket) throw new Error(`No WebSocket: ${response.status} ${await response.text()}`);
	const inbox = new Inbox<string>();
	socket.addEventListener("message", (event) => inbox.push(String(event.data)));
	socket.addEventListener("close", () => inbox.end(new Error("socket closed while a message was awaited")));
	socket.accept();
	return { send: (text: string) => socket.send(text), next: () => inbox.next(2000), close: () => socket.close() };
}

const connect = async (path: string) => socketOf(await get(path, { headers: upgradeHeaders() }));
const uniqueRoom = () => `room-${crypto.randomUUID()}`;

describe("Stateroom mounted in a Hono app", () => {
	it("leaves the app's own routes to the app, also under the prefix and at /status", async () => {
		expect(await (await get("/")).text()).toBe("arcade: home");
		expect(await (await get("/status")).json()).toEqual({ app: "arcade" });
		expect(await (await get("/rooms/lobby")).text()).toBe("arcade: the lobby page");
		// Hono's own 404, not Stateroom's: nothing outside the prefix is Stateroom's.
		const elsewhere = await get("/ws/lobby");
		expect(elsewhere.status).toBe(404);
		expect(await elsewhere.text()).not.toMatch(/Rooms are at/);
	});

	it("serves the health check and a counter room under the prefix", async () => {
		const status = await get("/rooms/status");
		expect(await status.text()).toBe("ok");
		const room = uniqueRoom();
		const a = await connect(`/rooms/ws/${room}`);
		const b = await connect(`/rooms/s/counter/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		expect(await b.next()).toBe("new value: 1");
		b.send("increment");
		expect(await a.next()).toBe("new value: 2");
		a.close();
		b.close();
	});

	it("keeps its refusals under the prefix: a plain GET of a room is told 426, an unknown service 404", async () => {
		expect((await get("/rooms/ws/abc")).status).toBe(426);
		const unknown = await get("/rooms/s/nope/ws/abc", { headers: upgradeHeaders() });
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toMatch(/No service named "nope"/);
	});

	it("keeps rooms in GAME_ROOMS and reports them to GAME_DIRECTORY, with no ROOMS or DIRECTORY bound", async () => {
		expect(mounted.ROOMS).toBeUndefined();
		expect(mounted.DIRECTORY).toBeUndefined();
		const room = uniqueRoom();
		const client = await connect(`/rooms/ws/${room}`);
		client.send("increment");
		expect(await client.next()).toBe("new value: 1");
		const stub = mounted.GAME_ROOMS.get(mounted.GAME_ROOMS.idFromName(roomName("counter", room)));
		const stored = await runInDurableObject(stub, (_instance, state) => state.storage.list());
		expect(stored.size).toBeGreaterThan(0);
		// The room reported itself through the directory binding the Worker named.
		const entry = await entryWhen(room);
		expect(entry).toMatchObject({ service: "counter", roomId: room, clients: 1 });
		client.close();
	});

	it("serves the admin API under the prefix, behind its secret", async () => {
		const withSecret = { headers: { authorization: `Bearer ${ADMIN_SECRET}` } };
		const services = await get("/rooms/admin/api/services", withSecret);
		expect(services.status).toBe(200);
		expect(await services.json()).toMatchObject({ default: "counter" });
		expect((await get("/rooms/admin/api/services")).status).toBe(401);
		// Without the prefix the path is the app's, which has no such route.
		expect(await (await get("/admin/api/services", withSecret)).text()).not.toMatch(/counter/);
	});

	it("refuses a foreign Host on Stateroom's routes only (the Host check is on in this project)", async () => {
		const foreign = "http://evil.example";
		expect((await get("/rooms/status", {}, foreign)).status).toBe(403);
		expect((await get("/rooms/admin/api/services", {}, foreign)).status).toBe(403);
		expect((await get(`/rooms/ws/${uniqueRoom()}`, { headers: upgradeHeaders() }, foreign)).status).toBe(403);
		expect(await (await get("/", {}, foreign)).text()).toBe("arcade: home");
	});
});

describe("rooms reached over HTTP in the mounted app", () => {
	it("serves a room's HTTP handler under the prefix, which posts into the room", async () => {
		const room = uniqueRoom();
		const reader = await connect(`/rooms/s/news/ws/${room}`);
		const posted = await get(`/rooms/s/news/rooms/${room}/headlines`, { method: "POST", body: "rain" });
		expect(await posted.text()).toBe("1 headlines");
		expect(await reader.next()).toBe("headline: rain");
		// Without the prefix the path is the app's, which has no such route.
		expect((await get(`/s/news/rooms/${room}/headlines`)).status).toBe(404);
		reader.close();
	});

	it("lets the Hono app's own routes reach rooms by service and id: a webhook, and a page that asks the room", async () => {
		const room = uniqueRoom();
		const reader = await connect(`/rooms/s/news/ws/${room}`);
		expect(await (await get(`/hooks/news/${room}`, { method: "POST", body: "sun" })).text()).toBe("posted");
		expect(await reader.next()).toBe("breaking: sun");
		await get(`/rooms/s/news/rooms/${room}/headlines`, { method: "POST", body: "wind" });
		expect(await reader.next()).toBe("headline: wind");
		// The handle finds the room in GAME_ROOMS, the app's own binding name.
		expect(await (await get(`/news/${room}`)).json()).toEqual(["wind"]);
		reader.close();
	});
});

describe("the operator page under the prefix", () => {
	// That the page then calls the admin API under the prefix is shown in Chromium (test/e2e/operator-page-mounted.test.ts).
	it("is served at /rooms/admin/, and everything it loads resolves under the prefix", async () => {
		const page = await get("/rooms/admin/");
		expect(page.status).toBe(200);
		const html = await page.text();
		const references = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1] ?? "");
		expect(references).toEqual(["../demo.css", "admin.css", "admin.js"]);
		for (const reference of references) {
			const url = new URL(reference, `${BASE}/rooms/admin/`);
			expect(url.pathname.startsWith("/rooms/"), reference).toBe(true);
			expect((await get(url.pathname)).status, reference).toBe(200);
		}
	});

	it("is only ever shown at a URL ending in admin/, where its relative URLs resolve", async () => {
		const redirect = await get("/rooms/admin", { redirect: "manual" });
		expect([redirect.status, redirect.headers.get("location")]).toEqual([302, "/rooms/admin/"]);
		// Static assets do the same for a deployment that serves public/ at the root.
		const assets = mounted.ASSETS as Fetcher;
		const root = await assets.fetch(`${BASE}/admin`, { redirect: "manual" });
		expect([root.status, new URL(root.headers.get("location") ?? "", BASE).pathname]).toEqual([307, "/admin/"]);
	});
});

describe("stateroom.route", () => {
	const route = async (path: string, init?: RequestInit) => {
		const ctx = createExecutionContext();
		const response = await stateroom.route(new Request(`${BASE}${path}`, init), env, ctx);
		await waitOnExecutionContext(ctx);
		return response;
	};

	it("resolves to null for every request that is not Stateroom's", async () => {
		for (const path of ["/", "/status", "/ws/abc", "/roomsx/ws/abc", "/rooms", "/rooms/lobby", "/rooms/ws/a/b"]) {
			expect(await route(path), path).toBeNull();
		}
	});

	it("answers Stateroom's routes under the prefix", async () => {
		expect(await (await route("/rooms/status"))?.text()).toBe("ok");
		expect((await route("/rooms/ws/abc"))?.status).toBe(426);
		expect((await route("/rooms/admin/api/nothing-here"))?.status).toBe(401);
	});
});

describe("a plain fetch handler around stateroom.route", () => {
	const fetchPlain = (path: string, init?: RequestInit) =>
		// The handler's request type is an incoming request's (with `cf`), which a test cannot make.
		plain.fetch(
			new Request(`${BASE}${path}`, init) as Parameters<typeof plain.fetch>[0],
			mounted as never,
			createExecutionContext(),
		);

	it("serves its own route, a counter room, and its own 404", async () => {
		expect(await (await fetchPlain("/")).text()).toBe("arcade: plain home");
		const client = await socketOf(await fetchPlain(`/rooms/ws/${uniqueRoom()}`, { headers: upgradeHeaders() }));
		client.send("increment");
		expect(await client.next()).toBe("new value: 1");
		client.close();
		const missing = await fetchPlain("/somewhere");
		expect(missing.status).toBe(404);
		expect(await missing.text()).toBe("plain: not found");
	});
});

describe("createStateroom's mount options", () => {
	const registry = defineServices({ default: "counter", services: { counter: Counter } });

	it("refuses a prefix the routes could not match literally, saying what a prefix looks like", () => {
		for (const prefix of ["rooms", "/ro:oms", "/rooms/*", "/a//b", "/a/../b", "/spaced out"]) {
			expect(() => createStateroom(registry, { prefix }), prefix).toThrow(/is not a path prefix.*Fix: give a path/);
		}
	});

	it("refuses binding names wrangler could not bind, and one name for both classes", () => {
		expect(() => createStateroom(registry, { bindings: { rooms: "GAME-ROOMS" } })).toThrow(
			/bindings.rooms is "GAME-ROOMS", which is not a binding name/,
		);
		expect(() => createStateroom(registry, { bindings: { rooms: "X", directory: "X" } })).toThrow(
			/both "X".*give each its own name/,
		);
	});
});

/** Waits until the room's directory entry, read through the admin API, shows a client. */
async function entryWhen(room: string): Promise<unknown> {
	const deadline = Date.now() + 5000;
	let last: unknown;
	while (Date.now() < deadline) {
		const response = await get(`/rooms/admin/api/services/counter/rooms?filter=${encodeURIComponent(room)}`, {
			headers: { authorization: `Bearer ${ADMIN_SECRET}` },
		});
		const page = (await response.json()) as { rooms: { roomId: string; clients: number }[] };
		last = page.rooms.find((entry) => entry.roomId === room);
		if (last !== undefined && (last as { clients: number }).clients === 1) return last;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`The directory never listed ${room}; last seen: ${JSON.stringify(last)}`);
}
