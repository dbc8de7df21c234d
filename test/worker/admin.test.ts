/**
 * The admin API: refused without the secret; lists services and rooms; shows a room's details
 * and stored state (TypeScript and WebAssembly); resets a room (its clients told why, its state
 * gone, its id and client numbering kept) and deletes one.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "../../src/errors.ts";
import { ADMIN_SECRET, admin, adminJson, directoryEntry, entryWhen } from "./admin-client.ts";
import worker from "./entry.ts";
import { BASE, connect, type TestSocket, uniqueRoom } from "./socket.ts";

const ROUTES: [string, string][] = [
	["GET", "/services"],
	["GET", "/services/counter"],
	["GET", "/services/counter/rooms"],
	["GET", "/services/counter/rooms/x"],
	["GET", "/services/counter/rooms/x/state"],
	["POST", "/services/counter/rooms/x/reset"],
	["DELETE", "/services/counter/rooms/x"],
	["GET", "/no-such-route"],
];

afterEach(() => {
	vi.restoreAllMocks();
});

describe("admin API access", () => {
	it("refuses every route with 401 without the secret, or with a wrong one", async () => {
		for (const [method, path] of ROUTES) {
			const missing = await admin(path, { method, headers: { authorization: "" } });
			expect(missing.status, `${method} ${path}`).toBe(401);
			expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
			expect(((await missing.json()) as { error: string }).error).toMatch(/Missing the admin secret/);
			const wrong = await admin(path, { method, headers: { authorization: `Bearer ${ADMIN_SECRET}x` } });
			expect(wrong.status, `${method} ${path}`).toBe(401);
			expect(((await wrong.json()) as { error: string }).error).toBe("Wrong admin secret.");
		}
	});

	it("is off, and says how to turn it on, when no secret is configured", async () => {
		const off = { ...env, STATEROOM_ADMIN_SECRET: undefined };
		for (const [method, path] of ROUTES) {
			const ctx = createExecutionContext();
			const request = new Request(`${BASE}/admin/api${path}`, {
				method,
				headers: { authorization: "Bearer undefined" },
			});
			// The entry's handler, called with an env that lacks the secret (the runtime's own env has it).
			const handle = worker.fetch as (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response>;
			const response = await handle(request, off, ctx);
			await waitOnExecutionContext(ctx);
			expect(response.status, `${method} ${path}`).toBe(401);
			expect(((await response.json()) as { error: string }).error).toMatch(/admin API is off.*STATEROOM_ADMIN_SECRET/);
		}
	});

	it("says what to add when the deployment has no directory binding", async () => {
		const ctx = createExecutionContext();
		const handle = worker.fetch as (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response>;
		const request = new Request(`${BASE}/admin/api/services/counter/rooms`, {
			headers: { authorization: `Bearer ${ADMIN_SECRET}` },
		});
		const response = await handle(request, { ...env, DIRECTORY: undefined }, ctx);
		await waitOnExecutionContext(ctx);
		expect(response.status).toBe(503);
		expect(((await response.json()) as { error: string }).error).toMatch(
			/bind the Directory Durable Object as DIRECTORY/,
		);
	});

	it("claims only its own prefix", async () => {
		const response = await exports.default.fetch(`${BASE}/admin/apix`);
		expect(response.status).toBe(404);
		expect(await response.text()).toMatch(/^Not found: "\/admin\/apix"\./);
	});
});

describe("admin API reads", () => {
	it("lists the services with their language and settings", async () => {
		const body = await adminJson<{
			default: string;
			services: { name: string; language: string; settings: unknown }[];
		}>("/services");
		expect(body.default).toBe("counter");
		const byName = new Map(body.services.map((service) => [service.name, service]));
		expect(byName.get("counter")).toMatchObject({ language: "typescript", default: true, settings: { limits: {} } });
		expect(byName.get("rust-counter")).toMatchObject({ language: "wasm", default: false });
	});

	it("answers 404 for an unknown service or a room that never ran", async () => {
		const service = await admin("/services/nope/rooms");
		expect(service.status).toBe(404);
		expect(((await service.json()) as { error: string }).error).toMatch(/No service named "nope"/);
		const room = await admin(`/services/counter/rooms/${uniqueRoom()}`);
		expect(room.status).toBe(404);
		expect(((await room.json()) as { error: string }).error).toMatch(/never opened, or it was deleted/);
	});

	it("shows one room's details, live", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		await a.next();
		const body = await adminJson<{ room: Record<string, unknown>; directory: unknown }>(
			`/services/counter/rooms/${room}`,
		);
		expect(body.room).toMatchObject({
			service: "counter",
			roomId: room,
			language: "typescript",
			clients: 1,
			sockets: 1,
			nextClient: 2,
			initialized: true,
			failures: 0,
			module: null,
		});
		a.close();
	});

	it("reads a TypeScript room's stored JSON", async () => {
		const room = uniqueRoom();
		const a = await connect(`/ws/${encodeURIComponent(`${room}/odd id`)}`);
		a.send("increment");
		a.send("increment");
		await a.next();
		await a.next();
		const state = await adminJson<{ language: string; stored: { state: unknown } }>(
			`/services/counter/rooms/${encodeURIComponent(`${room}/odd id`)}/state`,
		);
		expect(state).toMatchObject({ language: "typescript", roomId: `${room}/odd id`, stored: { state: { value: 2 } } });
		a.close();
	});

	it("reads a WebAssembly room's build, memory size, stored pages and globals", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/as-counter/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		const state = await adminJson<{
			language: string;
			stored: { build: string; memoryBytes: number; storedPages: number[]; globals: Record<string, unknown> };
		}>(`/services/as-counter/rooms/${room}/state`);
		expect(state.language).toBe("wasm");
		// The build that wrote the pages is the one the room runs, as its details and directory entry say.
		const details = await adminJson<{ room: { module: string | null } }>(`/services/as-counter/rooms/${room}`);
		expect(details.room.module).toMatch(/^[0-9a-f]{64}$/);
		expect(state.stored.build).toBe(details.room.module);
		expect((await entryWhen("as-counter", room, (entry) => entry?.clients === 1))?.module).toBe(details.room.module);
		expect(state.stored.memoryBytes % 65_536).toBe(0);
		expect(state.stored.memoryBytes).toBeGreaterThan(0);
		expect(state.stored.storedPages.length).toBeGreaterThan(0);
		expect(Object.keys(state.stored.globals).length).toBeGreaterThan(0);
		a.close();
	});
});

describe("admin API changes", () => {
	it("resets a room: clients told why, state gone, id and client numbering kept, logged", async () => {
		const log = vi.spyOn(console, "info");
		const room = uniqueRoom();
		const a = await connect(`/ws/${room}`);
		a.send("increment");
		a.send("increment");
		await a.next();
		await a.next();
		const reset = await adminJson<{ reset: boolean; room: { clients: number; nextClient: number } }>(
			`/services/counter/rooms/${room}/reset`,
			{ method: "POST", headers: { "x-stateroom-operator": 'ann\t"the op"' } },
		);
		expect(reset).toMatchObject({ reset: true, room: { clients: 0, nextClient: 2 } });
		expect(await a.closed).toEqual({ code: CloseCode.roomReset, reason: "room reset by an operator" });
		expect(log).toHaveBeenCalledWith(
			`[stateroom] admin: operator "ann\\t\\"the op\\"" reset service "counter", room "${room}"`,
		);

		const b = await connect(`/ws/${room}`);
		b.send("increment");
		expect(await b.next()).toBe("new value: 1");
		const details = await adminJson<{ room: { nextClient: number } }>(`/services/counter/rooms/${room}`);
		expect(details.room.nextClient).toBe(3);
		await entryWhen("counter", room, (entry) => entry?.clients === 1 && entry.failures === 0);
		b.close();
	});

	it("closes every client at once on a reset or delete, even while an event is still running", async () => {
		for (const [change, code] of [
			["reset", CloseCode.roomReset],
			["delete", CloseCode.roomDeleted],
		] as const) {
			const errors = vi.spyOn(console, "error").mockImplementation(() => {});
			const room = uniqueRoom();
			const clients = [];
			for (let index = 0; index < 4; index++) clients.push(await connect(`/s/test-stall/ws/${room}`));
			const [first, ...others] = clients as [TestSocket, ...TestSocket[]];
			first.send("inc");
			expect(await first.next()).toBe("count 1");
			// An event that runs until its deadline (200 ms for test-stall) when the operator acts.
			first.send("hang");
			const seen: string[] = [];
			const closes = clients.map((client, index) =>
				client.closed.then((close) => {
					// Whether the running event had ended (failed at its deadline) when the close arrived.
					const ended = errors.mock.calls.some((call) => {
						const line = call.map(String).join(" ");
						return line.includes(room) && line.includes("did not settle");
					});
					seen.push(`${index} ${close.code}${ended ? " after the event" : ""}`);
				}),
			);
			// Messages sent in between are not lost silently: their senders get the close.
			for (const client of others) client.send("inc");
			const path = `/services/test-stall/rooms/${room}`;
			const response =
				change === "reset" ? await admin(`${path}/reset`, { method: "POST" }) : await admin(path, { method: "DELETE" });
			expect(response.status).toBe(200);
			await Promise.all(closes);
			expect(seen.sort()).toEqual([`0 ${code}`, `1 ${code}`, `2 ${code}`, `3 ${code}`]);
			for (const client of clients) expect(await client.quiet(0)).toEqual([]);
			// The abandoned event ends later (at its deadline) and leaves nothing in the room that follows.
			await vi.waitFor(() => expect(errors.mock.calls.flat().join(" ")).toContain("did not settle"));
			const next = await connect(`/s/test-stall/ws/${room}`);
			next.send("inc");
			expect(await next.next()).toBe("count 1");
			next.close();
			errors.mockRestore();
		}
	});

	it("resets a room's pending timer", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/clock/ws/${room}`);
		await entryWhen("clock", room, (entry) => entry?.timerAt !== null && entry?.clients === 1);
		await adminJson(`/services/clock/rooms/${room}/reset`, { method: "POST" });
		await a.closed;
		expect(await entryWhen("clock", room, (entry) => entry?.clients === 0)).toMatchObject({ timerAt: null });
	});

	it("resets a room's failure count", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-fragile/ws/${room}`);
		a.send("boom");
		await entryWhen("test-fragile", room, (entry) => entry?.failures === 1);
		await adminJson(`/services/test-fragile/rooms/${room}/reset`, { method: "POST" });
		const entry = await entryWhen("test-fragile", room, (found) => found?.failures === 0);
		expect(entry).toMatchObject({ clients: 0, lastFailure: null, timerAt: null });
		const state = await adminJson<{ stored: { state: unknown } }>(`/services/test-fragile/rooms/${room}/state`);
		expect(state.stored.state).toBeNull();
	});

	it("deletes a room: clients told why, details and directory entry gone", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
		const deleted = await admin(`/services/echo/rooms/${room}`, {
			method: "DELETE",
			headers: { "x-stateroom-operator": "bob" },
		});
		expect(deleted.status).toBe(200);
		expect(await a.closed).toEqual({ code: CloseCode.roomDeleted, reason: "room deleted by an operator" });
		expect(await directoryEntry("echo", room)).toBeUndefined();
		expect((await admin(`/services/echo/rooms/${room}`)).status).toBe(404);
		expect((await admin(`/services/echo/rooms/${room}`, { method: "DELETE" })).status).toBe(404);
		// The id can be used again: a fresh room, numbering from 1.
		const b = await connect(`/s/echo/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(1) connected.");
		await entryWhen("echo", room, (entry) => entry?.clients === 1);
		b.close();
	});
});
