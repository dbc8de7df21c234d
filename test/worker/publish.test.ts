/**
 * Published services in workerd: uploaded through the admin API at run time, each runs in an
 * isolate of its own (the Worker Loader) and a facet of its room, and its rooms behave as
 * bundled ones do: messages, state through eviction, tokens and limits.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/access/token.ts";
import { adminCall, publish, testEnv, uniqueService } from "./publishing.ts";
import { connect, roomStub, type TestSocket, uniqueRoom, upgrade } from "./socket.ts";

async function expectAll(sockets: TestSocket[], message: string): Promise<void> {
	for (const socket of sockets) expect(await socket.next()).toBe(message);
}

// Each publish loads an isolate, which takes a while on a busy machine.
describe("a published WebAssembly module", { timeout: 20_000 }, () => {
	for (const module of ["rust-counter", "c-counter", "as-counter"]) {
		it(`${module}: answers as when bundled, and keeps its count through eviction`, async () => {
			const service = uniqueService();
			const published = await publish(service, module);
			expect(published.language).toBe("wasm");
			const room = uniqueRoom();
			const a = await connect(`/s/${service}/ws/${room}`);
			const b = await connect(`/s/${service}/ws/${room}`);
			for (const expected of [1, 2, 3]) {
				a.send("increment");
				await expectAll([a, b], `new value: ${expected}`);
			}
			await evictDurableObject(roomStub(service, room));
			b.send("increment");
			await expectAll([a, b], "new value: 4");
			b.send("decrement");
			await expectAll([a, b], "new value: 3");
		});
	}

	it("rust-echo: greets, echoes and says who left", async () => {
		const service = uniqueService();
		await publish(service, "rust-echo");
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		expect(await a.next()).toBe("User ClientId(1) connected.");
		const b = await connect(`/s/${service}/ws/${room}`);
		expect(await b.next()).toBe("User ClientId(2) connected.");
		b.send("héllo 🌍");
		await expectAll([a, b], "User ClientId(2) sent 'héllo 🌍'");
		b.close();
		expect(await a.next()).toBe("User ClientId(2) left.");
	});
});

// Each publish loads an isolate, which takes a while on a busy machine.
describe("a published TypeScript service", { timeout: 20_000 }, () => {
	it("runs its bundle (its own modules included) and keeps its fields through eviction", async () => {
		const service = uniqueService();
		const published = await publish(service, "ts-counter");
		expect(published.language).toBe("typescript");
		const room = uniqueRoom();
		const a = await connect(`/s/${service}/ws/${room}`);
		a.send("increment");
		expect(await a.next()).toBe("new value: 1");
		a.send("increment");
		expect(await a.next()).toBe("new value: 2");
		await evictDurableObject(roomStub(service, room));
		a.send("increment");
		expect(await a.next()).toBe("new value: 3");
		// A new client after eviction sees the same room.
		const b = await connect(`/s/${service}/ws/${room}`);
		b.send("increment");
		await expectAll([a, b], "new value: 4");
		// The admin API reads it as it reads a bundled room: details, stored state, the service's version.
		const details = (await (await adminCall(`/services/${service}/rooms/${room}`)).json()) as {
			room: { language: string; module: string; clients: number };
		};
		expect(details.room).toMatchObject({ language: "typescript", module: published.version, clients: 2 });
		const state = (await (await adminCall(`/services/${service}/rooms/${room}/state`)).json()) as {
			stored: { state: { value: number } };
		};
		expect(state.stored.state.value).toBe(4);
		const description = (await (await adminCall(`/services/${service}`)).json()) as { version: string };
		expect(description.version).toBe(published.version);
	});

	it("closes clients as a bundled service does: a bad code throws at the call, a good one closes", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter");
		const a = await connect(`/s/${service}/ws/${uniqueRoom()}`);
		a.send("close-badly");
		expect(await a.next()).toMatch(/^refused: ctx.close: close code 1006 is not one a service may send/);
		a.send("close");
		expect(await a.closed).toEqual({ code: 4321, reason: "bye" });
	});

	it("sees none of the host's bindings or secrets in ctx.env", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter");
		const a = await connect(`/s/${service}/ws/${uniqueRoom()}`);
		a.send("env");
		expect(await a.next()).toBe("env keys: none");
	});

	it("keeps the settings it was published with: tokens and limits", async () => {
		const service = uniqueService();
		await publish(service, "ts-counter", { settings: { access: { token: "required" }, limits: { maxClients: 1 } } });
		const room = uniqueRoom();
		const refused = await upgrade(`/s/${service}/ws/${room}`);
		expect(refused.status).toBe(401);
		expect(await refused.text()).toMatch(/token/i);
		const token = await mintJoinToken(testEnv.STATEROOM_TOKEN_SECRET, {
			service,
			room,
			user: "ann",
			ttlSeconds: 60,
		});
		const a = await connect(`/s/${service}/ws/${room}?token=${token}`);
		a.send("whoami");
		expect(await a.next()).toBe("you are ann");
		const full = await upgrade(`/s/${service}/ws/${room}?token=${token}`);
		expect(full.status).toBe(503);
		// A token for another service does not open this one.
		const other = await mintJoinToken(testEnv.STATEROOM_TOKEN_SECRET, { service: "counter", room, ttlSeconds: 60 });
		expect((await upgrade(`/s/${service}/ws/${room}?token=${other}`)).status).toBe(401);
	});
});
