/**
 * `stateroom new`, in a throwaway copy of the project (the repository is never touched): it
 * scaffolds a TypeScript and an AssemblyScript service that compile, register, and pass their
 * own generated tests inside workerd; it refuses invalid and taken names.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE, runCli } from "./cli-process.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

let copy: ProjectCopy;
let project: string;

beforeAll(() => {
	// Tracked files only: a user's own services (e.g. the README tour's services/tally.ts) are not
	// part of the copy, so they can neither clash with the names scaffolded here nor break the build.
	copy = copyProject("stateroom-new-");
	project = copy.root;
});

afterAll(() => copy?.remove());

function run(command: string, args: string[], timeout: number): Promise<{ code: number; output: string }> {
	return new Promise((resolve) => {
		execFile(command, args, { cwd: project, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
			resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: stdout + stderr });
		});
	});
}

describe("stateroom new", () => {
	it("scaffolds a TypeScript service and its test, and registers it in services/index.ts", async () => {
		const { code, stdout, output } = await runCli(["new", "lobby-room"], { cwd: project });
		expect(code, output).toBe(0);
		expect(stdout).toContain('[stateroom] created service "lobby-room":');
		expect(readFileSync(join(project, "services/lobby-room.ts"), "utf8")).toContain(
			"export class LobbyRoom implements Service",
		);
		expect(existsSync(join(project, "test/worker/lobby-room.test.ts"))).toBe(true);
		const index = readFileSync(join(project, "services/index.ts"), "utf8");
		expect(index).toContain('import { LobbyRoom } from "./lobby-room.ts";');
		expect(index).toMatch(/\t\t"lobby-room": LobbyRoom,\n/);
	});

	it("scaffolds an AssemblyScript service with --as, builds it, then registers it as as-<name>", async () => {
		const { code, stdout, output } = await runCli(["new", "tally", "--as"], { cwd: project, timeoutMs: 120_000 });
		expect(code, output).toBe(0);
		expect(stdout).toContain('[stateroom] created service "as-tally":');
		expect(readFileSync(join(project, "services/assemblyscript/tally.ts"), "utf8")).toContain(
			"class Tally extends Service",
		);
		// Built before it is registered, so that a running dev server never imports a missing file.
		expect(existsSync(join(project, "build/wasm/as-tally.wasm"))).toBe(true);
		expect(existsSync(join(project, "test/worker/as-tally.test.ts"))).toBe(true);
		const registry = readFileSync(join(project, "services/assemblyscript.ts"), "utf8");
		expect(registry).toContain('import asTally from "../build/wasm/as-tally.wasm";');
		expect(registry).toMatch(/\t"as-tally": asTally,\n/);
		expect(stdout).toContain("serve it: npm run dev, then connect to ws://127.0.0.1:8080/s/as-tally/ws/<room>");
	});

	it("refuses a name that is taken, invalid, or both --ts and --as, and writes nothing", async () => {
		const before = readFileSync(join(project, "services/index.ts"), "utf8");
		const taken = await runCli(["new", "chat"], { cwd: project });
		expect(taken.code).toBe(1);
		expect(taken.stderr).toContain('[stateroom] error: A service named "chat" is already registered.');
		const again = await runCli(["new", "as-tally", "--as"], { cwd: project });
		expect(again.code).toBe(1);
		expect(again.stderr).toContain('A service named "as-tally" is already registered.');
		const invalid = await runCli(["new", "Bad_Name"], { cwd: project });
		expect(invalid.code).toBe(2);
		expect(invalid.stderr).toContain('"Bad_Name" is not a valid service name');
		const both = await runCli(["new", "x", "--ts", "--as"], { cwd: project });
		expect(both.code).toBe(2);
		expect(both.stderr).toContain("Choose one language: --ts or --as, not both.");
		expect(readFileSync(join(project, "services/index.ts"), "utf8")).toBe(before);
		expect(existsSync(join(project, "services/x.ts"))).toBe(false);
	});

	it("produces services that typecheck, pass lint, build, and pass their generated tests in workerd", async () => {
		// Runs after the scaffolding tests above (tests in a file run in order).
		const typecheck = await run(
			NODE,
			[join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
			60_000,
		);
		expect(typecheck.output).toBe("");
		const lint = await run(
			NODE,
			[
				join(project, "node_modules/@biomejs/biome/bin/biome"),
				"check",
				"--vcs-enabled=false",
				"services/index.ts",
				"services/lobby-room.ts",
				"services/assemblyscript.ts",
				"test/worker/lobby-room.test.ts",
				"test/worker/as-tally.test.ts",
			],
			60_000,
		);
		expect(lint.code, lint.output).toBe(0);
		const tests = await run(
			NODE,
			[
				join(project, "node_modules/vitest/vitest.mjs"),
				"run",
				"--project",
				"worker",
				"test/worker/lobby-room.test.ts",
				"test/worker/as-tally.test.ts",
				// Vitest's 5 s per test is short for a machine busy with the other files of `npm test`.
				"--testTimeout=60000",
			],
			120_000,
		);
		expect(tests.code, tests.output).toBe(0);
		expect(tests.output).toMatch(/Tests\s+.*2 passed/);
	}, 300_000);
});
