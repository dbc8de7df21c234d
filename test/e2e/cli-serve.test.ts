/**
 * `stateroom serve`: a WebAssembly module built elsewhere (here the Rust counter from
 * build/wasm/, built by stateroom-wasm's example) runs as the default service with no config;
 * modules that are not WebAssembly or break the ABI are refused with the reason; a folder
 * with several modules lists them; a port in use is reported before anything starts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../cli/run-main.ts";
import { NODE, startCli } from "./cli-process.ts";
import { open } from "./client.ts";
import { freePort, PROJECT_ROOT } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

const COUNTER = join(PROJECT_ROOT, "build/wasm/rust-counter.wasm");
const MISSING_RECV = join(PROJECT_ROOT, "build/fixtures/missing-recv.wasm");
/** A module as another toolchain leaves it: never metered (the WAT fixture scripted.wat). */
const UNMETERED = join(PROJECT_ROOT, "build/fixtures/unmetered.wasm");

/** `serve` writes its generated project under .stateroom/serve/: in a copy, never the user's. */
let copy: ProjectCopy;
/** The CLI in this process (test/cli/run-main.ts), for what never starts wrangler. */
const serve = (args: string[]) => runMain(["serve", ...args], { cwd: copy.root });

beforeAll(() => {
	// `npm test` builds these first (pretest); a lone run of this file builds them here.
	if (!existsSync(COUNTER) || !existsSync(MISSING_RECV) || !existsSync(UNMETERED)) {
		execFileSync(NODE, ["scripts/build-wasm.mjs", "--fixtures"], {
			cwd: PROJECT_ROOT,
			stdio: "ignore",
			timeout: 240_000,
		});
	}
	copy = copyProject("stateroom-serve-");
}, 250_000);

afterAll(() => copy?.remove());

/**
 * Sends a WebSocket upgrade to 127.0.0.1:`port` with the given Host (and Origin) header, as a
 * browser on a rebound name would; the status (101 when upgraded) and the body of a refusal.
 */
function upgradeAs(
	port: number,
	host: string,
	origin: string | undefined,
	path = "/ws/host-check",
): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const headers: Record<string, string> = {
			Host: host,
			Connection: "Upgrade",
			Upgrade: "websocket",
			"Sec-WebSocket-Key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
			"Sec-WebSocket-Version": "13",
		};
		if (origin !== undefined) headers.Origin = origin;
		const sent = request({ host: "127.0.0.1", port, path, headers, timeout: 10_000 });
		sent.once("upgrade", (response, socket) => {
			socket.destroy();
			resolve({ status: response.statusCode ?? 0, body: "" });
		});
		sent.once("response", (response) => {
			let body = "";
			response.on("data", (chunk: Buffer) => {
				body += chunk.toString();
			});
			response.once("end", () => resolve({ status: response.statusCode ?? 0, body }));
		});
		sent.once("timeout", () => sent.destroy(new Error(`no answer from 127.0.0.1:${port} as ${host}`)));
		sent.once("error", reject);
		sent.end();
	});
}

describe("stateroom serve", () => {
	it("serves a Rust-built module as the default service, at /ws/:room and /s/<name>/ws/:room", async () => {
		const port = await freePort();
		const persist = mkdtempSync(join(tmpdir(), "stateroom-serve-"));
		const counter = join(copy.root, "build/wasm/rust-counter.wasm");
		const cli = startCli(["serve", counter, "--port", String(port), "--", "--persist-to", persist], { cwd: copy.root });
		try {
			await cli.waitFor(/press Ctrl-C to stop/, 90_000);
			expect(cli.output()).toContain(`[stateroom] checking build/wasm/rust-counter.wasm against the Stateroom ABI...`);
			expect(cli.output()).toMatch(/default room +ws:\/\/127\.0\.0\.1:\d+\/ws\/:room {2}\(service "rust-counter"\)/);
			expect(cli.output()).toContain(
				'[stateroom] rooms keep their state between runs of the same build; a rebuilt module starts them afresh (onModuleChange: "reset")',
			);
			const room = crypto.randomUUID();
			const a = await open(`ws://127.0.0.1:${port}/ws/${room}`);
			const b = await open(`ws://127.0.0.1:${port}/s/rust-counter/ws/${room}`);
			a.send("increment");
			expect(await a.nextText()).toBe("new value: 1");
			expect(await b.nextText()).toBe("new value: 1");
			b.send("increment");
			expect(await a.nextText()).toBe("new value: 2");
			await a.close();
			await b.close();
		} finally {
			expect(await cli.stop()).toBe(0);
		}
	}, 120_000);

	it("answers loopback Host names only, and the names --allowed-hosts lets in (DNS rebinding)", async () => {
		const port = await freePort();
		const persist = mkdtempSync(join(tmpdir(), "stateroom-serve-"));
		const cli = startCli(
			["serve", COUNTER, "--port", String(port), "--allowed-hosts", "rooms.test", "--", "--persist-to", persist],
			{ cwd: copy.root },
		);
		try {
			await cli.waitFor(/press Ctrl-C to stop/, 90_000);
			// A page on evil.example, rebound to 127.0.0.1: its Origin matches the Host it forged.
			const forged = await upgradeAs(port, `evil.example:${port}`, `http://evil.example:${port}`);
			expect(forged.status).toBe(403);
			expect(forged.body).toContain('Host "evil.example" is not allowed');
			expect(forged.body).toContain("--allowed-hosts evil.example");
			for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`]) {
				expect((await upgradeAs(port, host, `http://${host}`)).status).toBe(101);
			}
			expect((await upgradeAs(port, `rooms.test:${port}`, `http://rooms.test:${port}`)).status).toBe(101);
			// The admin API is behind the same check.
			expect((await upgradeAs(port, `evil.example:${port}`, undefined, "/admin/api/rooms")).status).toBe(403);
		} finally {
			expect(await cli.stop()).toBe(0);
		}
	}, 120_000);

	it("meters a module built elsewhere, which the host would refuse unmetered", async () => {
		const port = await freePort();
		const persist = mkdtempSync(join(tmpdir(), "stateroom-serve-"));
		const cli = startCli(["serve", UNMETERED, "--port", String(port), "--", "--persist-to", persist], {
			cwd: copy.root,
		});
		try {
			await cli.waitFor(/press Ctrl-C to stop/, 90_000);
			const client = await open(`ws://127.0.0.1:${port}/ws/${crypto.randomUUID()}`);
			client.send("c"); // scripted.wat counts: [counter u32, global u32]
			const frame = await client.next();
			expect(frame.kind === "bytes" ? [...frame.bytes] : frame.text).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
			await client.close();
		} finally {
			expect(await cli.stop()).toBe(0);
		}
	}, 120_000);

	it("refuses a file that is not WebAssembly, with a non-zero exit", async () => {
		const dir = mkdtempSync(join(tmpdir(), "stateroom-bad-"));
		const bad = join(dir, "bad.wasm");
		writeFileSync(bad, "this is not wasm");
		const { code, stderr } = await serve([bad]);
		expect(code).toBe(1);
		expect(stderr).toContain(`[stateroom] error: ${bad} is not a WebAssembly module:`);
		expect(stderr).toContain("[stateroom] fix: Give a .wasm file compiled for wasm32");
	});

	it("refuses a module that breaks the ABI, naming the missing export", async () => {
		const { code, stderr } = await serve([MISSING_RECV]);
		expect(code).toBe(1);
		expect(stderr).toContain(`${MISSING_RECV} does not follow the Stateroom WebAssembly ABI:`);
		expect(stderr).toContain('does not export "stateroom_recv"');
		expect(stderr).toContain("[stateroom] fix: Build it with the stateroom-wasm crate 0.4");
	});

	it("takes a folder with one module, and lists the candidates of a folder with several", async () => {
		const { code, stderr } = await serve([join(PROJECT_ROOT, "build/wasm")]);
		expect(code).toBe(1);
		expect(stderr).toMatch(/build\/wasm holds \d+ \.wasm files: .*rust-counter\.wasm/);
		expect(stderr).toContain("[stateroom] fix: Name one of them");
		const empty = mkdtempSync(join(tmpdir(), "stateroom-empty-"));
		const none = await serve([empty]);
		expect(none.code).toBe(1);
		expect(none.stderr).toContain(`No .wasm file in ${empty}.`);
	});

	describe("with its port taken", () => {
		let server: Server;
		let port: number;
		beforeAll(async () => {
			port = await freePort();
			server = createServer();
			await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
		});
		afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

		it("says the port is in use and how to pick another, before starting wrangler", async () => {
			const { code, stderr, stdout } = await serve([COUNTER, "--port", String(port)]);
			expect(code).toBe(1);
			expect(stderr).toContain(`[stateroom] error: Port ${port} on 127.0.0.1 is already in use by another program.`);
			expect(stderr).toContain(`--port ${port + 1}\`.`);
			expect(stdout).not.toContain("starting wrangler dev");
		});

		it("finds a module this project builds by its service name", async () => {
			const { code, stdout } = await serve(["rust-counter", "--port", String(port)]);
			// It got as far as the port check: the name resolved to the built module, which passed the ABI check.
			expect(code).toBe(1);
			expect(stdout).toContain("[stateroom] checking build/wasm/rust-counter.wasm against the Stateroom ABI...");
		});
	});
});
