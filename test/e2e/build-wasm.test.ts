/**
 * `npm run build:wasm` without a guest's toolchain: by default it warns and leaves a
 * placeholder that the host refuses with the build's reason (so `npm run dev` works on a
 * machine with only Node); with `--strict` (`npm test`, CI) it fails with what to install.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeholder } from "../../scripts/build/placeholder.mjs";
import { checkModule } from "../../src/wasm/abi.ts";
import { NODE } from "./cli-process.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

const run = promisify(execFile);
const INSTALL = "apt-get install rustc cargo libstd-rust-dev-wasm32";

/** A copy with its build/ (timestamps kept), so the repository's build/ is left alone and only what a test removes is built. */
let copy: ProjectCopy;
beforeAll(() => {
	copy = copyProject("stateroom-build-");
});
afterAll(() => copy?.remove());

async function buildWithout(args: string[], cwd = copy.root): Promise<{ code: number; stderr: string }> {
	try {
		const { stderr } = await run(NODE, ["scripts/build-wasm.mjs", ...args], {
			cwd,
			env: { ...process.env, RUSTC: "/nonexistent/rustc" },
			timeout: 120_000,
		});
		return { code: 0, stderr };
	} catch (error) {
		const failed = error as { code: number; stderr: string };
		return { code: failed.code, stderr: failed.stderr };
	}
}

describe("build:wasm without the Rust toolchain", () => {
	it("warns, says what to install, and still succeeds by default", async () => {
		const { code, stderr } = await buildWithout([]);
		expect(code).toBe(0);
		expect(stderr).toContain("[build-wasm] warning: Rust services skipped: /nonexistent/rustc is missing.");
		expect(stderr).toContain(INSTALL);
	}, 150_000);

	it("fails with --strict, as npm test runs it", async () => {
		const { code, stderr } = await buildWithout(["--strict"]);
		expect(code).toBe(1);
		expect(stderr).toContain(`[build-wasm] Rust services failed: /nonexistent/rustc is missing.`);
	}, 150_000);

	it("writes placeholders that the host refuses with the build's reason", async () => {
		const module = await WebAssembly.compile(placeholder(`rustc is missing. Install it: ${INSTALL}`));
		await expect(checkModule(module, "rust-counter")).rejects.toThrow(
			`service "rust-counter" was not built: rustc is missing. Install it: ${INSTALL}`,
		);
	});

	it("replaces a placeholder with the real module once the toolchain is there", async () => {
		const counter = join(copy.root, "build/wasm/rust-counter.wasm");
		rmSync(counter);
		expect((await buildWithout([])).code).toBe(0);
		expect(new TextDecoder().decode(readFileSync(counter))).toContain("stateroom.unbuilt");
		await run(NODE, ["scripts/build-wasm.mjs", "--strict"], { cwd: copy.root, timeout: 120_000 });
		const built = await WebAssembly.compile(readFileSync(counter));
		await expect(checkModule(built, "rust-counter")).resolves.toBeUndefined();
	}, 240_000);
});
