/**
 * `stateroom build` bundles the Worker and its modules into dist/ and reports sizes against the
 * Worker limits; `stateroom deploy` builds, then hands over to `wrangler deploy`, and without
 * credentials fails with a clear instruction (there is no network here, and none is needed).
 * Both run in a copy of the project: they write dist/ and the pages' bundles, which other files'
 * servers serve from the checkout while this file runs.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-process.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

let copy: ProjectCopy;

beforeAll(() => {
	copy = copyProject("stateroom-build-");
});

afterAll(() => copy?.remove());

describe("stateroom build", () => {
	it("writes the Worker and every module to dist/ and reports raw and gzip sizes against the limits", async () => {
		const { code, stdout, output } = await runCli(["build"], { cwd: copy.root, timeoutMs: 240_000 });
		expect(code, output).toBe(0);
		const dist = join(copy.root, "dist");
		// wrangler names the bundle after the entry module, app/worker.ts.
		expect(existsSync(join(dist, "worker.js"))).toBe(true);
		const modules = readdirSync(dist).filter((file) => file.endsWith(".wasm"));
		expect(modules.length).toBeGreaterThan(0);
		// Progress for each long step, in order.
		expect(stdout.indexOf("[stateroom] building WebAssembly guests...")).toBeGreaterThanOrEqual(0);
		expect(stdout.indexOf("[stateroom] bundling the Worker into dist/: done in")).toBeGreaterThan(
			stdout.indexOf("[stateroom] building WebAssembly guests: done in"),
		);
		// The report: a total, a line per file, and which limit applies.
		expect(stdout).toMatch(/\[stateroom\] bundle in dist\/: \d+ files, [\d.]+ [KM]iB \(gzip [\d.]+ [KM]iB\)/);
		expect(stdout).toMatch(/\[stateroom\] {3}worker\.js +[\d.]+ KiB +gzip +[\d.]+ KiB/);
		for (const module of modules) expect(stdout).toContain(module);
		expect(stdout).toMatch(
			/Worker size limit \(compressed\): 3 MiB on Workers Free, 10 MiB on Workers Paid; at [\d.]+ [KM]iB this Worker is within both/,
		);
	}, 300_000);
});

describe("stateroom deploy", () => {
	it("builds, runs wrangler deploy, and without credentials says to log in, exiting non-zero", async () => {
		// A fresh home without a wrangler login, no token, and CI (non-interactive, as in a pipeline).
		const home = mkdtempSync(join(tmpdir(), "stateroom-home-"));
		const { code, stdout, stderr, output } = await runCli(["deploy"], {
			cwd: copy.root,
			timeoutMs: 240_000,
			env: {
				HOME: home,
				XDG_CONFIG_HOME: join(home, ".config"),
				CI: "true",
				CLOUDFLARE_API_TOKEN: "",
				CLOUDFLARE_ACCOUNT_ID: "",
			},
		});
		expect(code, output).toBe(1);
		const built = stdout.indexOf("[stateroom] bundle in dist/:");
		const deploying = stdout.indexOf("[stateroom] deploying with wrangler deploy...");
		expect(built).toBeGreaterThanOrEqual(0);
		expect(deploying).toBeGreaterThan(built);
		expect(stderr).toContain("[stateroom] error: wrangler deploy failed: it has no Cloudflare credentials.");
		expect(stderr).toContain("[stateroom] fix: Run `npx wrangler login` once");
	}, 300_000);
});
