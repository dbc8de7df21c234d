/**
 * What a crash keeps, by durability setting: the server (wrangler dev and its workerd) is
 * killed with SIGKILL right after the clients got their replies, then started again on the
 * same storage.
 *
 * - strict (default): every event whose reply a client received is stored;
 * - relaxed: replies may report events that a crash then loses, but only those of the last
 *   flush window (100 ms); everything older is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, open } from "./client.ts";
import { type DevServer, startDevServer } from "./dev-server.ts";

/** The relaxed window (RELAXED_FLUSH_MS), and a margin for the write itself on a busy machine. */
const WINDOW_MS = 100;
const SETTLE_MS = WINDOW_MS + 900;
const EVENTS = 20;

let server: DevServer;
const clients: Client[] = [];

beforeAll(async () => {
	server = await startDevServer({ args: ["--config", "test/e2e/durability/wrangler.toml"] });
});

afterAll(async () => {
	for (const client of clients) client.socket.terminate();
	await server?.stop();
});

async function join(service: string, room: string): Promise<Client> {
	const client = await open(`${server.ws}/s/${service}/ws/${room}`);
	clients.push(client);
	return client;
}

/** Sends `count` increments one after the other, each once the last reply came; returns the last value. */
async function increment(client: Client, count: number): Promise<number> {
	let value = Number.NaN;
	for (let index = 0; index < count; index++) {
		client.send("increment");
		value = Number((await client.nextText(10_000)).replace("new value: ", ""));
	}
	return value;
}

/** The room's value after a restart: an increment's reply, minus that increment. */
async function valueAfterRestart(service: string, room: string): Promise<number> {
	const client = await join(service, room);
	return (await increment(client, 1)) - 1;
}

const room = () => `durability-${crypto.randomUUID()}`;

describe("a hard kill of the server", () => {
	it("loses no event whose reply was sent, with strict durability (the default)", async () => {
		const name = room();
		const client = await join("strict", name);
		expect(await increment(client, EVENTS)).toBe(EVENTS);
		await server.kill();
		await server.restart();
		expect(await valueAfterRestart("strict", name)).toBe(EVENTS);
	});

	it("loses only the events of the last window, with relaxed durability", async () => {
		const name = room();
		const client = await join("relaxed", name);
		expect(await increment(client, EVENTS)).toBe(EVENTS);
		// Older than the window: stored.
		await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
		// Inside the window when the kill comes: may be lost, though their replies went out.
		expect(await increment(client, EVENTS)).toBe(2 * EVENTS);
		await server.kill();
		await server.restart();
		const kept = await valueAfterRestart("relaxed", name);
		expect(kept).toBeGreaterThanOrEqual(EVENTS);
		expect(kept).toBeLessThanOrEqual(2 * EVENTS);
	});
});
