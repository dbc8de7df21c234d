/**
 * Each published service runs in an isolate of its own: one that patches its globals
 * (`WebSocket.prototype.send`, `JSON.stringify`, `Object.prototype`, `globalThis`) changes
 * nothing for another published service, for a bundled one, nor for the host; and a published
 * service has no network.
 */
import { describe, expect, it } from "vitest";
import { mintPublishKey } from "../../src/publish/keys.ts";
import { publish, publishRequest, testEnv, uniqueService, upload } from "./publishing.ts";
import { connect, uniqueRoom } from "./socket.ts";

// Each publish loads an isolate, which takes a while on a busy machine.
describe("a published service's isolate", { timeout: 20_000 }, () => {
	it("keeps a patcher's globals to itself", async () => {
		const patcher = uniqueService("patcher");
		const neighbour = uniqueService("neighbour");
		await publish(patcher, "ts-patcher");
		await publish(neighbour, "ts-counter");
		const sendBefore = WebSocket.prototype.send;
		const stringifyBefore = JSON.stringify;

		const hostile = await connect(`/s/${patcher}/ws/${uniqueRoom()}`);
		hostile.send("patch");
		expect(await hostile.next()).toBe("patched");

		// Another published service: its frames and identities are its own.
		const published = await connect(`/s/${neighbour}/ws/${uniqueRoom()}`);
		published.send("increment");
		expect(await published.next()).toBe("new value: 1");
		published.send("whoami");
		expect(await published.next()).toBe("you are anonymous");
		// A bundled service, in the host's isolate.
		const room = uniqueRoom();
		const [a, b] = [await connect(`/s/chat/ws/${room}`), await connect(`/s/chat/ws/${room}`)];
		b.send("the secret is 42");
		// The chat's frames reached its clients unchanged; the patcher saw none of them.
		const frames = (await a.quiet(300)).map(String);
		expect(frames.some((frame) => frame.includes('"text":"the secret is 42"'))).toBe(true);
		hostile.send("seen");
		expect(await hostile.next()).toMatch(/^seen \d+: $/);

		// The host's own globals are as they were.
		expect(WebSocket.prototype.send).toBe(sendBefore);
		expect(JSON.stringify).toBe(stringifyBefore);
		expect(Object.hasOwn(Object.prototype, "user")).toBe(false);
		expect((globalThis as Record<string, unknown>).patchedBy).toBeUndefined();
		// And the patcher's own room still works: its isolate is only its own to break.
		hostile.send("hello");
		expect(await hostile.next()).toBe("patcher got hello");
	});

	it("has no network: fetch is refused", async () => {
		const service = uniqueService("fetcher");
		await publish(service, "ts-fetcher");
		const client = await connect(`/s/${service}/ws/${uniqueRoom()}`);
		client.send("go");
		expect(await client.next()).toMatch(/^refused: .*not permitted to access the internet/);
	});

	it("reaches the network only through a service binding the operator granted", async () => {
		const service = uniqueService("fetcher");
		await publish(service, "ts-fetcher", { outbound: "TEST_NETWORK" });
		const client = await connect(`/s/${service}/ws/${uniqueRoom()}`);
		client.send("go");
		expect(await client.next()).toBe("fetched 203");
		// The same code without the grant, under another name: its own isolate, no network.
		const other = uniqueService("fetcher");
		await publish(other, "ts-fetcher");
		const refused = await connect(`/s/${other}/ws/${uniqueRoom()}`);
		refused.send("go");
		expect(await refused.next()).toMatch(/^refused: /);
		// Only the admin secret grants it, and only a binding the Worker has.
		const key = await mintPublishKey(testEnv.STATEROOM_ADMIN_SECRET, {
			scope: { service: other },
			subject: "tenant",
			ttlSeconds: 60,
		});
		const byKey = await publishRequest(other, upload("ts-fetcher"), { token: key, outbound: "TEST_NETWORK" });
		expect(byKey.status).toBe(403);
		const missing = await publishRequest(other, upload("ts-fetcher"), { outbound: "NO_SUCH_BINDING" });
		expect(missing.status).toBe(400);
		expect(((await missing.json()) as { error: string }).error).toMatch(/no service binding named "NO_SUCH_BINDING"/);
	});
});
