/**
 * Publishing to a running `wrangler dev` (its own: one test restarts and kills it) with the CLI:
 * a TypeScript service and a WebAssembly module answer within seconds of `stateroom publish`,
 * keep their versions and their rooms' state across a restart of the server, and refusals say
 * why. Publish keys and rollback go through the same commands.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/run-main.ts";
import { open } from "./client.ts";
import { type DevServer, startDevServer } from "./dev-server.ts";

const SECRET = "e2e-publish-admin-secret-0123456789abcdef";
let server: DevServer;
const admin = { STATEROOM_ADMIN_SECRET: SECRET, STATEROOM_PUBLISH_KEY: undefined };

beforeAll(async () => {
	server = await startDevServer({ args: ["--var", `STATEROOM_ADMIN_SECRET:${SECRET}`] });
});

afterAll(async () => {
	await server?.stop();
});

const name = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

function cli(args: readonly string[], env: Record<string, string | undefined> = admin) {
	return runMain([...args, "--url", server.http], { env });
}

/** One increment in a fresh connection: the reply. */
async function incrementOnce(service: string, room: string): Promise<string> {
	const client = await open(`${server.ws}/s/${service}/ws/${room}`);
	client.send("increment");
	const reply = await client.nextText(10_000);
	await client.close();
	return reply;
}

describe("stateroom publish against wrangler dev", () => {
	it("serves a TypeScript service and a WebAssembly module at once, and both survive a restart and a kill", async () => {
		const ts = name("e2e-ts");
		const wasm = name("e2e-wasm");
		const published = await cli(["publish", "test/fixtures/published/counter.ts", "--service", ts]);
		expect(published.code, published.output).toBe(0);
		expect(published.stdout).toMatch(new RegExp(`Published "${ts}" version [0-9a-f]{12} \\(typescript`));
		const module = await cli(["publish", "build/wasm/rust-counter.wasm", "--service", wasm]);
		expect(module.code, module.output).toBe(0);
		// Published, then connected at once: no redeploy, no wait.
		expect(await incrementOnce(ts, "lobby")).toBe("new value: 1");
		expect(await incrementOnce(wasm, "lobby")).toBe("new value: 1");

		await server.restart();
		expect(await incrementOnce(ts, "lobby")).toBe("new value: 2");
		expect(await incrementOnce(wasm, "lobby")).toBe("new value: 2");
		// A hard kill (SIGKILL) loses nothing whose reply was sent either.
		await server.kill();
		await server.restart();
		expect(await incrementOnce(ts, "lobby")).toBe("new value: 3");
		expect(await incrementOnce(wasm, "lobby")).toBe("new value: 3");
		const listed = await cli(["versions", "--json"]);
		const services = (JSON.parse(listed.stdout) as { services: { service: string }[] }).services.map((s) => s.service);
		expect(services).toEqual(expect.arrayContaining([ts, wasm]));
	});

	it("meters an unmetered module itself; one uploaded as it is is refused with the command that meters it", async () => {
		const refused = await cli(["publish", "build/fixtures/unmetered.wasm", "--service", name("e2e-raw"), "--no-meter"]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(
			/refused \(400\): The WebAssembly module was refused: module "e2e-raw-[0-9a-f]+" is not metered/,
		);
		expect(refused.stderr).toMatch(/npx stateroom publish <module\.wasm> --service e2e-raw-/);
		const metered = await cli(["publish", "build/fixtures/unmetered.wasm", "--service", name("e2e-raw")]);
		expect(metered.code, metered.output).toBe(0);
		expect(metered.stderr).toMatch(/metered with this project's meter key/);
	});

	it("refuses an upload over the size limit before sending it", async () => {
		const big = join(tmpdir(), `stateroom-big-${process.pid}.js`);
		writeFileSync(big, `export default class Big { data = "${"x".repeat(5 * 1024 * 1024)}"; }\n`);
		const refused = await cli(["publish", big, "--service", name("e2e-big")]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/a deployment takes at most 4\.00 MiB/);
	});

	it("moves rooms to a new version, and back with rollback", async () => {
		const service = name("e2e-roll");
		expect((await cli(["publish", "test/fixtures/published/counter.ts", "--service", service])).code).toBe(0);
		expect(await incrementOnce(service, "r")).toBe("new value: 1");
		expect((await cli(["publish", "test/fixtures/published/counter-v2.ts", "--service", service])).code).toBe(0);
		// The new code, on the fields the old one stored.
		expect(await incrementOnce(service, "r")).toBe("v2 value: 11");
		const rolled = await cli(["rollback", service]);
		expect(rolled.code, rolled.output).toBe(0);
		expect(rolled.stdout).toMatch(new RegExp(`"${service}" now runs version [0-9a-f]{12}`));
		expect(await incrementOnce(service, "r")).toBe("new value: 12");
		const versions = JSON.parse((await cli(["versions", service, "--json"])).stdout) as { versions: unknown[] };
		expect(versions.versions).toHaveLength(2);
	});

	it("lets a publish key publish only the services it covers", async () => {
		const prefix = `${name("e2e-team")}-`;
		const minted = await runMain(["publish-key", "--prefix", prefix, "--holder", "ann"], { env: admin });
		expect(minted.code, minted.output).toBe(0);
		const key = minted.stdout.trim();
		const keyEnv = { STATEROOM_ADMIN_SECRET: undefined, STATEROOM_PUBLISH_KEY: key };
		const ok = await cli(["publish", "test/fixtures/published/counter.ts", "--service", `${prefix}a`], keyEnv);
		expect(ok.code, ok.output).toBe(0);
		const other = await cli(["publish", "test/fixtures/published/counter.ts", "--service", name("e2e-other")], keyEnv);
		expect(other.code).toBe(1);
		expect(other.stderr).toMatch(/refused \(403\): This publish key covers services whose names start with/);
		const rooms = await cli(["rooms", "--json"], keyEnv);
		expect(rooms.code).toBe(1);
		expect(rooms.stderr).toMatch(/403/);
	});
});
