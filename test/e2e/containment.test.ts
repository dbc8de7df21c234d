/**
 * A timer whose handler is a synchronous endless loop, against a real `wrangler dev`: nothing
 * inside the isolate can interrupt it, and locally workerd has no CPU limit, so it stops the
 * whole server. A restart must not bring that back forever: the attempt is stored before the
 * timer runs, each restart counts the run that died, and after three the timer is dropped.
 * On Cloudflare the CPU limit (`[limits] cpu_ms`) resets the object instead of a restart; the
 * timer's bookkeeping is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, open } from "./client.ts";
import { type DevServer, startDevServer } from "./dev-server.ts";

const CONFIG = "test/fixtures/containment-worker/wrangler.toml";
/** Three runs in all (timer-policy.ts); the last death is counted on the third restart. */
const RESTARTS_TO_DROP = 3;
/** Longer than the longest retry backoff (4 s): a room that answers this long stays up. */
const STEADY_MS = 6000;

let server: DevServer;
/** Every count the room answered, in order: with nothing lost, they only go up. */
const counts: number[] = [];

beforeAll(async () => {
	server = await startDevServer({ args: ["--config", CONFIG], startupMs: 30_000 });
});

afterAll(async () => {
	await server?.stop();
});

/** Whether `/status` answers within `ms`. */
async function statusAnswers(ms = 2000): Promise<boolean> {
	try {
		const response = await fetch(`${server.http}/status`, { signal: AbortSignal.timeout(ms) });
		return response.ok;
	} catch {
		return false;
	}
}

/** Restarts the server; a retry of the timer may stop it again before it answers, which is fine here. */
async function restart(): Promise<void> {
	try {
		await server.restart();
	} catch {
		// Stopped again before `/status` answered: the next restart counts this death too.
	}
}

async function look(client: Client): Promise<void> {
	client.send("look");
	counts.push(Number((await client.nextText(3000)).replace("count ", "")));
}

/** Whether the room and `/status` keep answering for `STEADY_MS`. */
async function servesSteadily(room: string): Promise<boolean> {
	try {
		const client = await open(`${server.ws}/ws/${room}`, 3000);
		await look(client);
		await new Promise((done) => setTimeout(done, STEADY_MS));
		await look(client);
		await client.close();
		return await statusAnswers();
	} catch {
		return false;
	}
}

describe("a timer that loops forever", () => {
	it("stops the local server, but after a bounded number of restarts it is dropped and the room serves", async () => {
		const room = `hog-${crypto.randomUUID()}`;
		const client = await open(`${server.ws}/ws/${room}`);
		client.send("arm");
		expect(await client.nextText()).toBe("count 1");
		// The timer runs right after that answer and never returns: nothing answers any more.
		await expect.poll(() => statusAnswers(), { timeout: 10_000, interval: 500 }).toBe(false);
		// Not even after the CPU limit (`[limits] cpu_ms = 5000`): `wrangler dev` does not enforce it.
		await new Promise((done) => setTimeout(done, 6000));
		expect(await statusAnswers()).toBe(false);

		let restarts = 0;
		do {
			expect(restarts, `still stuck after ${restarts} restarts:\n${server.output()}`).toBeLessThan(
				RESTARTS_TO_DROP + 1,
			);
			await restart();
			restarts += 1;
		} while (!(await servesSteadily(room)));

		const output = server.output();
		expect(output).toContain("the timer event was still running when the room stopped");
		expect(output).toContain("on attempt 1 of 3; it runs again in 1000 ms");
		expect(output).toContain("on attempt 3 of 3 and is dropped");
		expect(restarts).toBe(RESTARTS_TO_DROP);
		// Nothing the room had answered was lost to the restarts: its count only went up.
		expect(counts.length).toBeGreaterThanOrEqual(2);
		expect(counts).toEqual([...counts].sort((x, y) => x - y));
		expect(new Set(counts).size).toBe(counts.length);
		expect(counts[0]).toBeGreaterThan(1);
	}, 300_000);
});
