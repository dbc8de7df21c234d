/**
 * The real `stateroom` as a user starts it: the bin shim on this Node, `npx stateroom`, and
 * `npm run dev --port=N`. The CLI's arguments, help texts and refusals are tested in process
 * (test/cli/args.test.ts).
 */
import { execFile } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli-process.ts";
import { PROJECT_ROOT } from "./dev-server.ts";

describe("stateroom, the command", () => {
	it("runs cli/bin.mjs on this Node: --help exits 0, no command exits 2, a mistake exits 2 with a fix", async () => {
		const help = await runCli(["--help"]);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/^Usage: stateroom <command>/);
		expect((await runCli([])).code).toBe(2);
		const wrong = await runCli(["dev", "--frobnicate"]);
		expect(wrong.code).toBe(2);
		expect(wrong.stderr).toContain("[stateroom] fix: See `npx stateroom dev --help` for the usage.");
	});

	it("takes the port of `npm run dev --port=N` (which npm keeps as its own option) rather than serve 8080", async () => {
		// A port in use makes `dev` stop before it builds anything, naming the port it was given.
		const busy = createServer();
		await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
		const port = (busy.address() as AddressInfo).port;
		try {
			const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
				execFile("npm", ["run", "dev", `--port=${port}`], { cwd: PROJECT_ROOT, timeout: 60_000 }, (error, _out, err) =>
					resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr: err }),
				);
			});
			expect(code).toBe(1);
			expect(stderr).toContain(`[stateroom] error: Port ${port} on 127.0.0.1 is already in use by another program.`);
			expect(stderr).toContain(`pick another port: \`npm run dev -- ${port + 1}\`.`);
		} finally {
			busy.close();
		}
	});
});

describe("npx stateroom", () => {
	it("runs this project's CLI, offline, never a registry package of that name", async () => {
		// npm runs a bin of the local package itself (package.json "bin"); --offline proves that
		// nothing is fetched.
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(
				"npm",
				["exec", "--offline", "--yes", "--", "stateroom", "--help"],
				{ cwd: PROJECT_ROOT, timeout: 60_000 },
				(error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
			);
		});
		expect(stdout).toMatch(/^Usage: stateroom <command>/);
		expect(stdout).toContain("Serve one WebAssembly module as the default service");
	});
});
