/**
 * The commands that talk to `stateroom dev` (`rooms`, `room`, `new`) find the port it really
 * serves on from the .stateroom/dev.json it writes, say which they used, and fall back to the
 * default port (saying so) when no dev runs or the file names a process that is gone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "./run-main.ts";

const SECRET = "dev-port-test-admin-secret-0123456789";
let project: string;
let server: Server;
let port: number;
let asked: string[] = [];

beforeAll(async () => {
	project = mkdtempSync(join(tmpdir(), "stateroom-dev-port-"));
	writeFileSync(join(project, "package.json"), "{}");
	writeFileSync(join(project, "wrangler.toml"), 'name = "x"');
	// Stands in for dev's admin API: answers the one request `rooms` makes.
	server = createServer((request, response) => {
		asked.push(`${request.method} ${request.url} ${request.headers.authorization}`);
		response.setHeader("content-type", "application/json");
		response.end(JSON.stringify({ services: [] }));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
	rmSync(project, { recursive: true, force: true });
});

function recordDev(pid: number, recordedPort: number): void {
	mkdirSync(join(project, ".stateroom"), { recursive: true });
	writeFileSync(join(project, ".stateroom/dev.json"), `${JSON.stringify({ pid, port: recordedPort })}\n`);
}

describe("finding the running dev", () => {
	it("`rooms` asks the port dev recorded, and says so on stderr (stdout stays JSON)", async () => {
		asked = [];
		recordDev(process.pid, port);
		const { code, stdout, stderr } = await runMain(["rooms", "--json"], {
			cwd: project,
			env: { STATEROOM_ADMIN_SECRET: SECRET },
		});
		expect(stderr).toBe(
			`[stateroom] using the running stateroom dev at http://127.0.0.1:${port} (process ${process.pid}, from .stateroom/dev.json)\n`,
		);
		expect(code).toBe(0);
		expect(JSON.parse(stdout)).toEqual({ services: [] });
		expect(asked).toEqual([`GET /admin/api/services Bearer ${SECRET}`]);
	});

	it("ignores a file left by a dev that is gone, and says it tries the default port", async () => {
		asked = [];
		recordDev(2 ** 22 + 12345, port); // Above Linux's pid limit: no such process.
		const { stderr } = await runMain(["room", "counter", "lobby"], {
			cwd: project,
			env: { STATEROOM_ADMIN_SECRET: SECRET },
		});
		expect(stderr).toContain(
			"[stateroom] no stateroom dev is running for this project (no .stateroom/dev.json): trying http://127.0.0.1:8080, the default port\n",
		);
		expect(asked).toEqual([]);
	});

	it("`--url` wins and is used without a word", async () => {
		asked = [];
		recordDev(process.pid, 1);
		const { code, stderr } = await runMain(["rooms", "--url", `http://127.0.0.1:${port}`], {
			cwd: project,
			env: { STATEROOM_ADMIN_SECRET: SECRET },
		});
		expect(code).toBe(0);
		expect(stderr).toBe("");
		expect(asked).toHaveLength(1);
	});

	it("`--url` with a path reaches the admin API of Stateroom mounted under that prefix", async () => {
		asked = [];
		const { code } = await runMain(["rooms", "--json", "--url", `http://127.0.0.1:${port}/rooms/`], {
			cwd: project,
			env: { STATEROOM_ADMIN_SECRET: SECRET },
		});
		expect(code).toBe(0);
		expect(asked).toEqual([`GET /rooms/admin/api/services Bearer ${SECRET}`]);
	});
});
