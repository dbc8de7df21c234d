/**
 * `stateroom dev`: builds, serves through wrangler dev on the given port, prints what it serves,
 * rebuilds WebAssembly guests when their sources change (and wrangler reloads them), refuses a
 * port in use, and stops wrangler with it. One wrangler dev for the whole file, in a copy of the
 * project: the user's own checkout (its sources, build/ and .stateroom/dev.json) is never touched.
 */
import { readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackgroundCli, runCli, startCli } from "./cli-process.ts";
import { open } from "./client.ts";
import { freePort } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

let copy: ProjectCopy;
let cli: BackgroundCli;
let port: number;
const SECRET = "cli-dev-admin-secret-0123456789abcdefghij";

beforeAll(async () => {
	copy = copyProject("stateroom-dev-");
	writeFileSync(join(copy.root, ".dev.vars"), `STATEROOM_ADMIN_SECRET=${SECRET}\n`);
	port = await freePort();
	cli = startCli(["dev", String(port), "--", "--persist-to", join(copy.root, ".wrangler/state")], { cwd: copy.root });
	await cli.waitFor(/press Ctrl-C to stop/, 150_000);
}, 160_000);

afterAll(async () => {
	await cli?.stop();
	copy?.remove();
});

describe("stateroom dev", () => {
	it("builds first, then prints the status, demo page and every service's room URL", () => {
		const out = cli.output();
		const address = `127.0.0.1:${port}`;
		expect(out.indexOf("[stateroom] building WebAssembly guests: done in")).toBeLessThan(
			out.indexOf("[stateroom] starting wrangler dev"),
		);
		expect(out).toContain(`[stateroom] serving http://${address}`);
		expect(out).toMatch(new RegExp(`demo page +http://${address}/\\n`));
		expect(out).toMatch(new RegExp(`status +http://${address}/status\\n`));
		expect(out).toMatch(new RegExp(`default room +ws://${address}/ws/:room {2}\\(service "counter"\\)`));
		for (const service of ["counter", "chat", "echo", "as-counter"]) {
			expect(out).toMatch(new RegExp(`\\] {3}${service} +ws://${address}/s/${service}/ws/:room\\n`));
		}
		expect(out).toMatch(/watching services\/assemblyscript, sdk\/assemblyscript, .* for changes/);
	});

	it("builds the deployment's services only, one line each, never the test fixtures", () => {
		const out = cli.output();
		const built = out.slice(0, out.indexOf("[stateroom] building WebAssembly guests: done in"));
		expect(built).not.toContain("build/fixtures");
		expect(built).not.toContain("SDK fixtures");
		const lines = built.split("\n").filter((line) => line.startsWith("[build-wasm]"));
		const services = readdirSync(join(copy.root, "build/wasm")).filter((file) => /^(as|rust|c)-.*\.wasm$/.test(file));
		expect(lines.length).toBe(services.length);
		for (const module of services) expect(built).toMatch(new RegExp(`\\[build-wasm\\] build/wasm/${module}: `));
	});

	it("type-checks the project beside the build, and leaves out wrangler's offline noise", async () => {
		await cli.waitFor(/\[stateroom\] type check: no errors/, 120_000);
		const out = cli.output();
		expect(out).not.toContain("getaddrinfo");
		expect(out).not.toContain("Unable to fetch the `Request.cf` object");
		expect(out.split("[stateroom] offline:").length).toBeLessThanOrEqual(2);
	}, 130_000);

	it("is found by `rooms`, which says it uses the running dev's port", async () => {
		const { code, stdout, stderr, output } = await runCli(["rooms", "--json"], {
			cwd: copy.root,
			env: { STATEROOM_ADMIN_SECRET: SECRET },
		});
		expect(code, output).toBe(0);
		expect(stderr).toContain(`[stateroom] using the running stateroom dev at http://127.0.0.1:${port} (process `);
		const services = (JSON.parse(stdout) as { services: { name: string }[] }).services.map((service) => service.name);
		expect(services).toContain("counter");
	});

	it("answers /status, serves the demo page at /, and runs rooms", async () => {
		const status = await fetch(`http://127.0.0.1:${port}/status`);
		expect(await status.text()).toBe("ok");
		const page = await fetch(`http://127.0.0.1:${port}/`);
		expect(page.headers.get("content-type")).toMatch(/text\/html/);
		expect(await page.text()).toContain("<title>Stateroom demo</title>");
		const socket = await open(`ws://127.0.0.1:${port}/ws/${crypto.randomUUID()}`);
		socket.send("increment");
		expect(await socket.nextText()).toBe("new value: 1");
		await socket.close();
	});

	it("rebuilds a WebAssembly guest when its source changes, and serves the rebuilt module", async () => {
		const before = cli.output().length;
		const wasm = join(copy.root, "build/wasm");
		const written = () => new Map(readdirSync(wasm).map((file) => [file, statSync(join(wasm, file)).mtimeMs]));
		const earlier = written();
		// A watched guest source; touching it (same content, new mtime) must rebuild its module.
		const now = new Date();
		utimesSync(join(copy.root, "services/assemblyscript/counter.ts"), now, now);
		await cli.waitFor(/services\/assemblyscript\/counter\.ts changed: rebuilding WebAssembly guests\.\.\./, 10_000);
		await cli.waitFor(/rebuilt WebAssembly guests in [\d.]+ s; wrangler reloads the Worker/, 120_000);
		const after = cli.output().slice(before);
		expect(after).toContain("build/wasm/as-counter.wasm");
		// Only the rebuilt module is written, so wrangler reloads the Worker once.
		const changed = [...written()].filter(([file, mtime]) => earlier.get(file) !== mtime).map(([file]) => file);
		expect(changed).toEqual(["as-counter.wasm"]);
		expect(statSync(join(copy.root, "build/wasm/as-counter.wasm")).mtimeMs).toBeGreaterThanOrEqual(
			now.getTime() - 1000,
		);
		// The rebuilt module runs (wrangler may still be reloading: allow it a moment).
		const deadline = Date.now() + 30_000;
		for (;;) {
			try {
				const socket = await open(`ws://127.0.0.1:${port}/s/as-counter/ws/${crypto.randomUUID()}`);
				socket.send("increment");
				expect(await socket.nextText()).toBe("new value: 1");
				await socket.close();
				break;
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
		}
	}, 180_000);

	it("refuses to start a second server on the same port, saying how to pick another", async () => {
		const { code, stderr, stdout } = await runCli(["dev", String(port)], { cwd: copy.root });
		expect(code).toBe(1);
		expect(stderr).toContain(`[stateroom] error: Port ${port} on 127.0.0.1 is already in use by another program.`);
		expect(stderr).toContain(
			`[stateroom] fix: Stop that program, or pick another port: \`npx stateroom dev ${port + 1}\`.`,
		);
		expect(stdout).not.toContain("building WebAssembly guests");
	});

	it("stops wrangler when it is stopped, and then `rooms` says no dev runs", async () => {
		expect(await cli.stop()).toBe(0);
		await expect(fetch(`http://127.0.0.1:${port}/status`)).rejects.toThrow();
		const { stderr } = await runCli(["rooms"], { cwd: copy.root, env: { STATEROOM_ADMIN_SECRET: SECRET } });
		expect(stderr).toContain(
			"[stateroom] no stateroom dev is running for this project (no .stateroom/dev.json): trying http://127.0.0.1:8080",
		);
	}, 30_000);
});
