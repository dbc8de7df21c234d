/**
 * Versions of a published service (list, activate, delete) through the admin API, rooms moving
 * to a new version under the module-identity policy, and publish keys scoped to a name or a
 * prefix, refused everywhere else with the reason.
 */
import { describe, expect, it } from "vitest";
import { mintPublishKey } from "../../src/publish/keys.ts";
import type { PublishedService } from "../../src/publish/versions.ts";
import { adminCall, publish, publishRequest, testEnv, uniqueService, upload } from "./publishing.ts";
import { connect, uniqueRoom } from "./socket.ts";

async function body<T>(response: Response): Promise<T> {
	return (await response.json()) as T;
}

// Each publish loads an isolate, which takes a while on a busy machine.
describe("versions of a published service", { timeout: 20_000 }, () => {
	it("are listed newest first; one can be made active again, the active one cannot be deleted", async () => {
		const service = uniqueService();
		const first = await publish(service, "ts-counter");
		const second = await publish(service, "ts-counter-v2");
		const listed = await body<PublishedService>(await adminCall(`/published/${service}`));
		expect(listed.active).toBe(second.version);
		expect(listed.versions.map((entry) => entry.version)).toEqual([second.version, first.version]);
		expect(listed.versions[0]).toMatchObject({ language: "typescript", publishedBy: "admin:unnamed", build: null });

		const active = await adminCall(`/published/${service}/versions/${second.version}`, { method: "DELETE" });
		expect(active.status).toBe(409);
		expect((await body<{ error: string }>(active)).error).toMatch(/is the one .* runs: roll back to another first/);

		const room = uniqueRoom();
		const client = await connect(`/s/${service}/ws/${room}`);
		client.send("increment");
		expect(await client.next()).toBe("v2 value: 10");
		client.close();
		const activated = await adminCall(`/published/${service}/versions/${first.version.slice(0, 8)}/activate`, {
			method: "POST",
		});
		expect(activated.status).toBe(200);
		// A connect moves the room to the version the service runs now, on the state it stored.
		const again = await connect(`/s/${service}/ws/${room}`);
		again.send("increment");
		expect(await again.next()).toBe("new value: 11");

		const deleted = await adminCall(`/published/${service}/versions/${second.version}`, { method: "DELETE" });
		expect(deleted.status).toBe(200);
		const after = await body<PublishedService>(await adminCall(`/published/${service}`));
		expect(after.versions.map((entry) => entry.version)).toEqual([first.version]);
		const unknown = await adminCall(`/published/${service}/versions/0123456789ab/activate`, { method: "POST" });
		expect(unknown.status).toBe(404);
	});

	it("moves a room with clients connected to a new version once a client connects", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter");
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		await publish(service, "ts-counter-v2");
		// Until a client connects, the running room keeps the version it started with.
		a.send("increment");
		expect(await a.next()).toBe("new value: 2");
		const b = await connect(`/s/${service}/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("v2 value: 12");
		expect(await b.next()).toBe("v2 value: 12");
	});

	it("an operator's reset starts a published room afresh, its service too", async () => {
		const service = uniqueService();
		await publish(service, "rust-counter");
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		a.send("increment");
		a.send("increment");
		expect([await a.next(), await a.next()]).toEqual(["new value: 1", "new value: 2"]);
		const reset = await adminCall(`/services/${service}/rooms/${room}/reset`, { method: "POST" });
		expect(reset.status).toBe(200);
		expect((await a.closed).code).toBe(4010);
		const b = await connect(`/s/${service}/ws/${room}`);
		b.send("increment");
		expect(await b.next()).toBe("new value: 1");
	});

	it("republishing a kept version makes it active again without storing it twice", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter");
		await publish(service, "ts-counter-v2");
		const again = await publishRequest(service, upload("ts-counter"));
		expect(again.status).toBe(200);
		expect(await body<{ created: boolean }>(again)).toMatchObject({ created: false });
		expect((await body<PublishedService>(await adminCall(`/published/${service}`))).versions).toHaveLength(2);
	});

	it("a WebAssembly room refuses another build's state with 1011, or starts afresh with onModuleChange: reset", async () => {
		const service = uniqueService();
		await publish(service, "rust-counter");
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		a.close();
		await a.closed;

		await publish(service, "c-counter");
		const refused = await connect(`/s/${service}/ws/${room}`);
		const closed = await refused.closed;
		expect(closed.code).toBe(1011);
		expect(closed.reason).toMatch(/another module build/);

		// The same code with other settings: the version it is takes them. The C counter wants Init
		// first: a room that starts afresh delivers it again.
		await publish(service, "c-counter", { settings: { onModuleChange: "reset" } });
		const listed = await body<PublishedService>(await adminCall(`/published/${service}`));
		expect(listed.versions).toHaveLength(2);
		expect(listed.versions[0]?.settings).toEqual({ onModuleChange: "reset" });
		const fresh = await connect(`/s/${service}/ws/${room}`);
		fresh.send("increment");
		expect(await fresh.next()).toBe("new value: 1");
	});

	it("deleting a service stops its rooms from starting, and frees its name", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter");
		const deleted = await adminCall(`/published/${service}`, { method: "DELETE" });
		expect(deleted.status).toBe(200);
		const gone = await adminCall(`/published/${service}`);
		expect(gone.status).toBe(404);
		const response = await publishRequest(service, upload("rust-counter"));
		expect(response.status).toBe(201);
	});
});

describe("publish keys", { timeout: 20_000 }, () => {
	const key = (scope: { service: string } | { prefix: string }, ttlSeconds = 600) =>
		mintPublishKey(testEnv.STATEROOM_ADMIN_SECRET, { scope, subject: "tenant-ann", ttlSeconds });

	it("publish the services they cover, and read only their rooms", async () => {
		const prefix = `${uniqueService("team")}-`;
		const token = await key({ prefix });
		const mine = `${prefix}counter`;
		const published = await publishRequest(mine, upload("ts-counter"), { token });
		expect(published.status).toBe(201);
		expect((await body<{ published: { publishedBy: string } }>(published)).published.publishedBy).toBe(
			"key:tenant-ann",
		);
		const client = await connect(`/s/${mine}/ws/${uniqueRoom()}`);
		client.send("increment");
		expect(await client.next()).toBe("new value: 1");
		expect((await adminCall(`/services/${mine}/rooms`, { token })).status).toBe(200);
		expect((await adminCall(`/published/${mine}`, { token })).status).toBe(200);
		const list = await body<{ services: { service: string }[] }>(await adminCall("/published", { token }));
		expect(list.services.map((entry) => entry.service)).toEqual([mine]);

		const other = await publishRequest(uniqueService("other"), upload("ts-counter"), { token });
		expect(other.status).toBe(403);
		expect((await body<{ error: string }>(other)).error).toMatch(
			new RegExp(`covers services whose names start with "${prefix}", not "other-`),
		);
		const bundled = await adminCall("/services/counter/rooms", { token });
		expect(bundled.status).toBe(403);
		const everything = await adminCall("/services", { token });
		expect(everything.status).toBe(403);
		expect((await body<{ error: string }>(everything)).error).toMatch(/needs the admin secret/);
		const reset = await adminCall(`/services/${mine}/rooms/x/reset`, { token, method: "POST" });
		expect(reset.status).toBe(403);
	});

	it("for one service cover that name only, and may not raise a limit", async () => {
		const service = uniqueService();
		const token = await key({ service });
		expect((await publishRequest(`${service}x`, upload("ts-counter"), { token })).status).toBe(403);
		const raised = await publishRequest(service, upload("ts-counter"), {
			token,
			settings: { limits: { maxClients: 100_000 } },
		});
		expect(raised.status).toBe(403);
		expect((await body<{ error: string }>(raised)).error).toMatch(/may not raise limits.maxClients/);
		expect(
			(await publishRequest(service, upload("ts-counter"), { token, settings: { limits: { maxClients: 5 } } })).status,
		).toBe(201);
	});

	it("are refused with 401 when expired, forged or for another deployment", async () => {
		const service = uniqueService();
		const expired = await mintPublishKey(testEnv.STATEROOM_ADMIN_SECRET, {
			scope: { service },
			subject: "x",
			ttlSeconds: -10,
		});
		const forged = await mintPublishKey("another-deployment-admin-secret-0123456789", {
			scope: { service },
			subject: "x",
			ttlSeconds: 600,
		});
		for (const [token, reason] of [
			[expired, /has expired/],
			[forged, /signature does not match/],
		] as const) {
			const response = await publishRequest(service, upload("ts-counter"), { token });
			expect(response.status).toBe(401);
			expect((await body<{ error: string }>(response)).error).toMatch(reason);
		}
	});
});
