/**
 * cli/wrangler-dev.ts, the one supervisor of `wrangler dev` (the CLI, these tests and the bench
 * use it): a start that cannot serve fails at once with wrangler's reason and leaves no process
 * and no temporary folder behind; a stop takes workerd with it and removes the state folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMembers, startWranglerDev, WranglerDevError } from "../../cli/wrangler-dev.ts";
import { PROJECT_ROOT } from "./project-copy.ts";

let dir: string;
const systemTmp = process.env.TMPDIR;

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "stateroom-supervisor-test-"));
	// A temporary folder of this file's own (this file runs in a process of its own): other files
	// start and stop servers meanwhile, and their state folders must not count here.
	mkdirSync(join(dir, "tmp"));
	process.env.TMPDIR = join(dir, "tmp");
});
afterAll(() => {
	if (systemTmp === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = systemTmp;
	rmSync(dir, { recursive: true, force: true });
});

/** A minimal Worker config in its own folder, whose entry is `source`. */
function worker(name: string, source: string): string {
	const folder = join(dir, name);
	mkdirSync(folder);
	writeFileSync(join(folder, "entry.ts"), source);
	const config = join(folder, "wrangler.toml");
	writeFileSync(config, `name = "${name}"\nmain = "entry.ts"\ncompatibility_date = "2026-11-01"\n`);
	return config;
}

/** Processes (any) whose command line names `text`: what a start left running. */
function processesNaming(text: string): number[] {
	return readdirSync("/proc")
		.filter((pid) => /^\d+$/.test(pid))
		.filter((pid) => {
			try {
				return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
			} catch {
				return false;
			}
		})
		.map(Number);
}

/** The temporary state folders of the supervisor now (in this file's TMPDIR). */
function stateFolders(): string[] {
	return readdirSync(tmpdir()).filter((name) => name.startsWith("stateroom-wrangler-"));
}

describe("startWranglerDev", () => {
	it("fails at once on a bundle that does not build, saying which import, and leaves nothing behind", async () => {
		const config = worker(
			"broken-build",
			'import missing from "./missing.wasm";\nexport default { fetch: () => new Response(String(missing)) };\n',
		);
		const folders = stateFolders();
		const started = Date.now();
		const error = await startWranglerDev({ root: PROJECT_ROOT, args: ["--config", config], state: "temporary" }).catch(
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(WranglerDevError);
		expect((error as WranglerDevError).problem?.message).toMatch(
			/^wrangler could not build the Worker: .*missing\.wasm/,
		);
		// Well before the startup timeout: a failed build leaves wrangler hanging every request.
		expect(Date.now() - started).toBeLessThan(60_000);
		expect(processesNaming(config)).toEqual([]);
		expect(stateFolders()).toEqual(folders);
	}, 90_000);

	it("fails with the Worker's own error when it throws while loading", async () => {
		const config = worker("throws", 'throw new Error("no such setting");\nexport default {};\n');
		const error = await startWranglerDev({ root: PROJECT_ROOT, args: ["--config", config], state: "temporary" }).catch(
			(caught: unknown) => caught,
		);
		expect((error as WranglerDevError).problem?.message).toContain(
			"the Worker failed to load: Uncaught Error: no such setting",
		);
		expect(processesNaming(config)).toEqual([]);
	}, 90_000);

	it("serves /status on a free port, and a stop ends its whole process group and removes its state", async () => {
		const config = worker("fine", 'export default { fetch: () => new Response("ok") };\n');
		const folders = stateFolders();
		const dev = await startWranglerDev({ root: PROJECT_ROOT, args: ["--config", config], state: "temporary" });
		const group = dev.pid() as number;
		expect(await (await fetch(`${dev.http}/status`)).text()).toBe("ok");
		expect(stateFolders().length).toBe(folders.length + 1);
		expect(groupMembers(group).length).toBeGreaterThan(1); // wrangler's node and workerd
		await dev.stop();
		expect(groupMembers(group)).toEqual([]);
		expect(stateFolders()).toEqual(folders);
		await expect(fetch(`${dev.http}/status`)).rejects.toThrow();
	}, 90_000);
});
