/**
 * `npm run bench` cannot rot: the runner itself, on a load of a few seconds (`--smoke`), against
 * its own real `wrangler dev`. Only the shape of its output is checked (every target, every
 * figure, finite ratios, the chart); speed goals are the benchmark's business, not a test's.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATEST_NAMES } from "../../bench/runner/results.ts";
import { PROJECT_ROOT } from "./dev-server.ts";

const TARGETS = [
	"ts",
	"ts-relaxed",
	"ts-published",
	"rust",
	"rust-published",
	"c",
	"as",
	"raw-memory",
	"raw-storage",
	"partyserver",
];
const BASELINES = ["raw-memory", "raw-storage", "partyserver"];
const METRICS = [
	"latencyP50Ms",
	"latencyP99Ms",
	"roundTripsPerSecond",
	"fanoutPerSecond",
	"manyRoomsPerSecond",
	"burstPerSecond",
	"wakeMs",
	"idleKiBPerRoom",
];

interface Run {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

let outDir: string;
let run: Run;

beforeAll(async () => {
	outDir = mkdtempSync(join(tmpdir(), "stateroom-bench-test-"));
	const child = spawn(process.execPath, ["bench/runner/main.ts", "--smoke", "--out-dir", outDir], {
		cwd: PROJECT_ROOT,
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	child.stderr.on("data", (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const code = await new Promise<number | null>((done) => child.once("exit", done));
	run = { code, stdout, stderr };
}, 170_000);

afterAll(() => {
	rmSync(outDir, { recursive: true, force: true });
});

function record(): Record<string, unknown> & {
	figures: Record<string, Record<string, number>>;
	ratios: Record<string, Record<string, Record<string, number>>>;
	ladders: Record<string, { size: number; roundTripsPerSecond: number; ratios: Record<string, number> }[]>;
	wake: { id: string; wakeMs: number; ratios: Record<string, number> }[];
	neighbours: Record<string, number> & { floodCloseCodes: (number | null)[] };
} {
	const file = readdirSync(outDir).find((name) => name.endsWith("-smoke.json"));
	if (!file) throw new Error(`no results file in ${outDir}; the runner said:\n${run.stderr}`);
	return JSON.parse(readFileSync(join(outDir, file), "utf8"));
}

describe("npm run bench (smoke load)", () => {
	it("finishes, prints progress and a table with every target", () => {
		expect(run.code, run.stderr).toBe(0);
		expect(run.stderr).toMatch(/\[bench +\d+ s\] latency: round 1\/1/);
		for (const label of [
			"Stateroom TypeScript",
			"Stateroom TypeScript, relaxed",
			"Stateroom Rust",
			"Stateroom C",
			"PartyServer",
			"raw DO, in memory",
		]) {
			expect(run.stdout).toContain(label);
		}
	});

	it("records every figure of every target, positive and finite", () => {
		const { figures } = record();
		expect(Object.keys(figures).sort()).toEqual([...TARGETS].sort());
		for (const target of TARGETS) {
			for (const metric of METRICS) {
				const value = figures[target]?.[metric];
				expect(Number.isFinite(value) && (value as number) > 0, `${target} ${metric} = ${value}`).toBe(true);
			}
		}
	});

	it("gives every figure as a finite ratio to each baseline", () => {
		const { ratios } = record();
		expect(Object.keys(ratios).sort()).toEqual([...BASELINES].sort());
		for (const baseline of BASELINES) {
			for (const target of TARGETS) {
				for (const metric of METRICS) {
					const value = ratios[baseline]?.[target]?.[metric];
					expect(Number.isFinite(value) && (value as number) > 0, `${target}/${baseline} ${metric}`).toBe(true);
				}
			}
			// A baseline against itself is 1 on every figure.
			for (const metric of METRICS) expect(ratios[baseline]?.[baseline]?.[metric]).toBe(1);
		}
	});

	it("has both state-size ladders and the wake of a 1 MB TypeScript and a 1 MiB WebAssembly room", () => {
		const { ladders, wake } = record();
		expect(ladders.typescriptBytes?.map((step) => step.size)).toEqual([1_000, 100_000]);
		expect(ladders.wasmPages?.map((step) => step.size)).toEqual([1, 16]);
		for (const step of [...(ladders.typescriptBytes ?? []), ...(ladders.wasmPages ?? [])]) {
			expect(step.roundTripsPerSecond).toBeGreaterThan(0);
			for (const key of ["smallest", ...BASELINES]) expect(Number.isFinite(step.ratios[key])).toBe(true);
		}
		expect(wake.map((entry) => entry.id)).toEqual([...TARGETS, "ts-1mb", "wasm-1mib"]);
		for (const entry of wake) {
			expect(entry.wakeMs).toBeGreaterThan(0);
			for (const baseline of BASELINES) expect(Number.isFinite(entry.ratios[baseline])).toBe(true);
		}
	});

	it("times /status and another room while a room floods a spinning guest, which cools down", () => {
		const { neighbours } = record();
		for (const key of ["statusP50Ms", "statusP99Ms", "statusMaxMs", "roomP50Ms", "roomP99Ms", "roomMaxMs"]) {
			expect(Number.isFinite(neighbours[key]) && (neighbours[key] as number) > 0, key).toBe(true);
		}
		expect(neighbours.floodCloseCodes).toEqual([4503]);
		expect(run.stdout).toContain("neighbour latency under a spinning flood");
	});

	it("draws the ratios as an SVG chart", () => {
		const svg = readdirSync(outDir).find((name) => name.endsWith("-smoke.svg"));
		expect(svg).toBeDefined();
		const text = readFileSync(join(outDir, svg as string), "utf8");
		expect(text.startsWith("<svg")).toBe(true);
		expect(text).toContain("vs PartyServer");
		// One bar per baseline, metric and Stateroom target (the relaxed counter included).
		expect(text.match(/<rect [^>]*><title>/g)?.length).toBeGreaterThanOrEqual(3 * METRICS.length * 5);
		expect(text).toContain("Stateroom TypeScript, relaxed");
	});
});

describe("where runs are written", () => {
	it("keeps a quick run apart from the full run's committed latest.*, and a smoke run writes only its own files", () => {
		expect(LATEST_NAMES).toEqual({ full: "latest", quick: "quick", smoke: undefined });
		expect(readdirSync(outDir).every((name) => /-smoke\.(json|svg)$/.test(name))).toBe(true);
		// A quick run's files stay local (git check-ignore exits 0 for an ignored path).
		const ignored = (file: string) =>
			spawnSync("git", ["check-ignore", "-q", `bench/results/${file}`], { cwd: PROJECT_ROOT }).status === 0;
		expect(["quick.json", "quick.svg", "quick.md"].filter((file) => !ignored(file))).toEqual([]);
		expect(ignored("latest.md")).toBe(false);
	});
});
