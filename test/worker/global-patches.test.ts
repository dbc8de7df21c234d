/**
 * Bundled TypeScript services share one isolate, and so its globals. They are the operator's own,
 * trusted code, but the host keeps its guarantees even when one of them patches a global: it
 * uses only the built-ins it captured before any service ran (src/intrinsics.ts). Here one
 * service patches `WebSocket.prototype.send`, `JSON.stringify`, `Date.now`,
 * `Array.prototype.includes` and `Object.prototype`, and another service's rooms must behave
 * exactly as before, without the patches seeing its chat or its state.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NEIGHBOUR_ORIGIN, restoreGlobals } from "./global-patch-services.ts";
import { connect, type TestSocket, uniqueRoom, upgrade } from "./socket.ts";

/** The patcher's room, if a test opened one: told to restore, and closed, after each test. */
let patcher: TestSocket | undefined;

afterEach(async () => {
	// The isolate is shared with every other test: put the globals back whatever happened.
	if (patcher) {
		patcher.send("restore");
		await patcher.next().catch(() => undefined);
		patcher.close();
		patcher = undefined;
	}
	restoreGlobals();
});

async function patchGlobals(): Promise<TestSocket> {
	const socket = await connect(`/s/test-patcher/ws/${uniqueRoom()}`);
	patcher = socket;
	socket.send("patch");
	expect(await socket.next()).toBe("patch done");
	return socket;
}

/** Two clients in a fresh room of the neighbour service, past their join messages. */
async function neighbourRoom(headers: Record<string, string> = {}): Promise<[TestSocket, TestSocket]> {
	const room = uniqueRoom();
	const ann = await connect(`/s/test-neighbour/ws/${room}`, headers);
	expect(await ann.next()).toBe("joined 1 as anonymous");
	const bob = await connect(`/s/test-neighbour/ws/${room}`, headers);
	expect(await ann.next()).toBe("joined 2 as anonymous");
	expect(await bob.next()).toBe("joined 2 as anonymous");
	return [ann, bob];
}

describe("a service that patches the isolate's globals leaves another service's rooms as they were", () => {
	it("origins: a broken Array.prototype.includes does not refuse the service's allowed origin", async () => {
		await patchGlobals();
		const response = await upgrade(`/s/test-neighbour/ws/${uniqueRoom()}`, { Origin: NEIGHBOUR_ORIGIN });
		expect(response.status).toBe(101);
		// And a foreign origin is still refused.
		const foreign = await upgrade(`/s/test-neighbour/ws/${uniqueRoom()}`, { Origin: "https://evil.example" });
		expect(foreign.status).toBe(403);
	});

	it("identities: anonymous clients do not inherit a user or identities put on Object.prototype", async () => {
		await patchGlobals();
		// neighbourRoom checks that both clients join as anonymous.
		const [ann] = await neighbourRoom();
		ann.send("hello");
		expect(await ann.next()).toBe("1 said hello (note 1)");
	});

	it("rate limits: a frozen Date.now does not stop a slow client's tokens from refilling", async () => {
		await patchGlobals();
		const [ann] = await neighbourRoom();
		// A burst of two, then (once the bucket has refilled) one more. Reading the frozen clock,
		// the host would never refill the bucket and would close ann with 4008.
		ann.send("one");
		ann.send("two");
		expect(await ann.next()).toBe("1 said one (note 1)");
		expect(await ann.next()).toBe("1 said two (note 2)");
		await new Promise((resolve) => setTimeout(resolve, 300));
		ann.send("three");
		expect(await ann.next()).toBe("1 said three (note 3)");
	});

	it("disconnects: a broken Array.prototype.includes does not lose a client's leaving", async () => {
		await patchGlobals();
		const [ann, bob] = await neighbourRoom();
		bob.close();
		await bob.closed;
		expect(await ann.next()).toBe("left 2");
	});

	it("privacy: a patched WebSocket send or JSON.stringify sees neither the room's chat nor its state", async () => {
		const patcher = await patchGlobals();
		const [ann, bob] = await neighbourRoom();
		ann.send("secret-1");
		expect(await ann.next()).toBe("1 said secret-1 (note 1)");
		expect(await bob.next()).toBe("1 said secret-1 (note 1)");
		patcher.send("report");
		const seen = JSON.parse(String(await patcher.next())) as { frames: string[]; json: string[] };
		expect(seen.frames.filter((frame) => frame.includes(" said "))).toEqual([]);
		expect(seen.json.filter((text) => text.includes("secret-"))).toEqual([]);
		// The patches were live: they saw what the test's own client sent.
		expect(seen.frames).toContain("secret-1");
	});
});
