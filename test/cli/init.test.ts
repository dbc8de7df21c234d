/**
 * `stateroom init` in process: what it writes, the names it derives, the dependency it records,
 * and the folders it refuses (writing nothing then). test/e2e/package.test.ts installs and runs
 * such a project for real.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProject, listServices } from "../../cli/project.ts";
import { runMain } from "./run-main.ts";

let dir: string;

beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), "stateroom-init-"));
});

afterEach(() => {
	rmSync(dir, { recursive: true, force: true });
});

describe("stateroom init", () => {
	it("writes a project the CLI finds by its configuration, named after its folder", async () => {
		const { code, stdout } = await runMain(["init", "My App!"], { cwd: dir });
		expect(code).toBe(0);
		const root = join(dir, "My App!");
		const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
		expect(manifest.name).toBe("my-app");
		expect(manifest.dependencies.stateroom).toMatch(/^\^\d+\.\d+\.\d+$/);
		expect(manifest.scripts).toMatchObject({ dev: "stateroom dev", test: "vitest run" });
		expect(manifest.devDependencies.node).toMatch(/^\^22\./);
		expect(readFileSync(join(root, "wrangler.toml"), "utf8")).toContain('name = "my-app"');
		expect(readFileSync(join(root, ".dev.vars"), "utf8")).toMatch(
			/^STATEROOM_TOKEN_SECRET=\S{48,}\nSTATEROOM_ADMIN_SECRET=\S{48,}\n$/,
		);
		expect(stdout).toContain('cd "My App!" && npm install');

		const project = findProject(root);
		expect(project.main).toBe("src/worker.ts");
		expect(project.services).toBe("services/index.ts");
		expect(project.tests).toBe("test");
		expect(listServices(project)).toEqual({ default: "counter", names: ["counter"] });
	});

	it("fills the current folder with `.`, where a .git folder may be already", async () => {
		const root = join(dir, "here");
		mkdirSync(join(root, ".git"), { recursive: true });
		const { code, stdout } = await runMain(["init", "."], { cwd: root });
		expect(code).toBe(0);
		expect(existsSync(join(root, "src/worker.ts"))).toBe(true);
		expect(stdout).toMatch(/next:\n\[stateroom\] {3}npm install\n/);
	});

	it("records --package as a path relative to the new project", async () => {
		writeFileSync(join(dir, "stateroom-9.9.9.tgz"), "");
		const { code } = await runMain(["init", "apps/one", "--package", "./stateroom-9.9.9.tgz"], { cwd: dir });
		expect(code).toBe(0);
		const manifest = JSON.parse(readFileSync(join(dir, "apps/one/package.json"), "utf8"));
		expect(manifest.dependencies.stateroom).toBe("file:../../stateroom-9.9.9.tgz");

		const missing = await runMain(["init", "two", "--package", "./nowhere.tgz"], { cwd: dir });
		expect(missing.code).toBe(1);
		expect(missing.stderr).toContain("nowhere.tgz does not exist");
		expect(existsSync(join(dir, "two"))).toBe(false);
	});

	it("refuses a folder that is not empty, or a file, and writes nothing", async () => {
		const root = join(dir, "taken");
		mkdirSync(root);
		writeFileSync(join(root, "notes.txt"), "mine");
		const taken = await runMain(["init", "taken"], { cwd: dir });
		expect(taken.code).toBe(1);
		expect(taken.stderr).toMatch(/error: .*taken is not empty \(notes\.txt\)/);
		expect(readdirSync(root)).toEqual(["notes.txt"]);

		const file = await runMain(["init", "taken/notes.txt"], { cwd: dir });
		expect(file.code).toBe(1);
		expect(file.stderr).toContain("exists and is not a folder");

		const none = await runMain(["init"], { cwd: dir });
		expect(none.code).toBe(2);
		expect(none.stderr).toContain("Missing the folder to create");
	});
});
