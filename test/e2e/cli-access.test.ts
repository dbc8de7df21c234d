/**
 * Security settings from the command line: `stateroom serve` with limit and token flags serves a
 * Rust-built module that refuses clients without a token and closes one that sends too much, and
 * `stateroom token` mints the token that lets a client in (through the wrangler dev it started);
 * the client library fetches a fresh token before each reconnect.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRoom } from "../../client/index.ts";
import { mintJoinToken } from "../../src/access/token.ts";
import { runMain } from "../cli/run-main.ts";
import { startCli } from "./cli-process.ts";
import { open } from "./client.ts";
import { freePort, PROJECT_ROOT } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

const ECHO = join(PROJECT_ROOT, "build/wasm/rust-echo.wasm");
/** Given to the CLI (environment) and to wrangler dev (`--var`): .dev.vars stays untouched. */
const SECRET = "cli-access-test-secret-0123456789abcdefghij";

/** `serve` writes its generated project under .stateroom/serve/: in a copy, never the user's. */
let copy: ProjectCopy;
beforeAll(() => {
	copy = copyProject("stateroom-cli-access-");
});
afterAll(() => copy?.remove());

describe("stateroom token", () => {
	it("prints a token alone on stdout, signed with the secret from the environment", async () => {
		const { code, stdout } = await runMain(["token", "--service", "chat", "--room", "lobby", "--user", "ann"], {
			env: { STATEROOM_TOKEN_SECRET: SECRET },
		});
		expect(code).toBe(0);
		expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
		const payload = JSON.parse(Buffer.from(stdout.split(".")[1] ?? "", "base64url").toString());
		expect(payload).toMatchObject({ aud: "stateroom:chat", room: "lobby", sub: "ann" });
		expect(payload.exp - payload.iat).toBe(3600);
	});

	it("refuses a bad duration (exit 2) and a missing secret (exit 1), saying how to fix it", async () => {
		const bad = await runMain(["token", "--service", "chat", "--room", "r", "--ttl", "soon"], {
			env: { STATEROOM_TOKEN_SECRET: SECRET },
		});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/"soon" is not a duration/);
		const missing = await runMain(["token", "--service", "chat", "--room", "r", "--secret-name", "NO_SUCH_SECRET_X"]);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/fix: Add a line NO_SUCH_SECRET_X=<random text> to \.dev\.vars/);
	});
});

describe("stateroom serve with security flags", () => {
	it("requires a token and enforces the message size it was given", async () => {
		expect(existsSync(ECHO), "run `npm run build:wasm` first").toBe(true);
		const port = await freePort();
		const persist = mkdtempSync(join(tmpdir(), "stateroom-serve-access-"));
		const cli = startCli(
			[
				"serve",
				ECHO,
				"--port",
				String(port),
				"--token",
				"required",
				"--max-message-bytes",
				"100",
				"--",
				"--persist-to",
				persist,
				"--var",
				`STATEROOM_TOKEN_SECRET:${SECRET}`,
			],
			{ cwd: copy.root },
		);
		try {
			await cli.waitFor(/press Ctrl-C to stop/, 90_000);
			const room = crypto.randomUUID();
			const url = `ws://127.0.0.1:${port}/ws/${room}`;
			await expect(open(url)).rejects.toThrow(/401/);
			const minted = await runMain(["token", "--service", "rust-echo", "--room", room, "--ttl", "5m"], {
				env: { STATEROOM_TOKEN_SECRET: SECRET },
			});
			const client = await open(`${url}?token=${minted.stdout.trim()}`);
			expect(await client.nextText()).toMatch(/connected/);
			client.send("a".repeat(101));
			const closed = await client.closed;
			expect(closed.code).toBe(1009);
			expect(closed.reason).toMatch(/limits\.maxMessageBytes \(100 bytes\)/);

			// The client library fetches a token before every connect: an expired one is refused
			// (401), and the retry asks again and gets in with a fresh one.
			const grant = { service: "rust-echo", room };
			const tokens = [
				await mintJoinToken(SECRET, { ...grant, ttlSeconds: -60 }),
				await mintJoinToken(SECRET, { ...grant, ttlSeconds: 60 }),
			];
			let fetched = 0;
			const socket = connectRoom(url, {
				params: async () => ({ token: tokens[Math.min(fetched++, 1)] }),
				backoff: { baseMs: 50, capMs: 200 },
			});
			try {
				const opened = new Promise((resolve) => socket.on("open", resolve));
				await opened;
				expect(fetched).toBe(2);
			} finally {
				socket.close();
			}
		} finally {
			expect(await cli.stop()).toBe(0);
		}
	}, 120_000);
});
