#!/usr/bin/env node
/**
 * `npm run bench`: starts one `wrangler dev` with bench/wrangler.toml, loads it from this process
 * with real WebSocket clients on 127.0.0.1, prints a table, and writes the run to
 * bench/results/ (<time>-<profile>.json, and latest.json, latest.svg and latest.md, the tables in
 * Markdown: the committed record of the last full run).
 *
 *   --quick         a smaller load that finishes in under a minute; written as quick.json,
 *                   quick.svg and quick.md (gitignored), never over a full run's latest.*
 *   --smoke         a load of a few seconds (what the e2e test runs); written only as <time>-smoke.*
 *   --out-dir DIR   write the results to DIR instead of bench/results/
 *   --rooms N       the many-rooms scenario's number of rooms (default: the profile's)
 *   --only LIST     run only these scenarios (comma-separated: latency, fanout, burst, many,
 *                   neighbours, ladders, wake, idle), print their figures and ratios, and write
 *                   them as <time>-<profile>-partial.json only
 *   --scale LIST    only the scaling run: rooms as N grows (e.g. 1000,3000,10000), one client
 *                   each; written as scale.json and scale.md (with --quick: scale-quick.*)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { buildGuest } from "../build-guest.mjs";
import { chart } from "./chart.ts";
import { connectRetries } from "./client.ts";
import { publishCounters } from "./publish.ts";
import { buildRecord, type Figures, format, markdown, ratio, render } from "./report.ts";
import { LATEST_NAMES } from "./results.ts";
import {
	bursts,
	fanout,
	idleMemory,
	ladder,
	latency,
	manyRooms,
	neighbours,
	type RunContext,
	type ScaleStep,
	scale,
	tsLadder,
	wake,
	wakeTargets,
	wasmLadder,
} from "./scenarios.ts";
import { type BenchServer, startServer } from "./server.ts";
import { BASELINES, type MetricId, PROFILES, type Profile, TARGETS, type TargetId } from "./targets.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NEEDED_MODULES = ["rust-counter", "c-counter", "as-counter"];

interface Options {
	readonly profile: Profile;
	readonly outDir: string;
	/** The run's standing name ("latest" for a full run, "quick"), or none for a smoke run. */
	readonly latestName: string | undefined;
	/** The scenarios to run, when not all of them. */
	readonly only: ReadonlySet<Scenario> | undefined;
	/** The scaling run's numbers of rooms, when that is what to run. */
	readonly scale: readonly number[] | undefined;
}

const SCENARIOS = ["latency", "fanout", "burst", "many", "neighbours", "ladders", "wake", "idle"] as const;
type Scenario = (typeof SCENARIOS)[number];

function positiveIntegers(option: string, value: string | undefined): number[] {
	const numbers = (value ?? "").split(",").map(Number);
	if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${option} takes positive whole numbers`);
	return numbers;
}

function parseArgs(argv: readonly string[]): Options {
	let name: Profile["name"] = "full";
	let outDir = join(ROOT, "bench/results");
	let rooms: number | undefined;
	let only: Set<Scenario> | undefined;
	let scale: number[] | undefined;
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (arg === "--quick") name = "quick";
		else if (arg === "--smoke") name = "smoke";
		else if (arg === "--out-dir") outDir = resolve(argv[++index] ?? "");
		else if (arg === "--rooms") rooms = positiveIntegers(arg, argv[++index])[0];
		else if (arg === "--scale") scale = positiveIntegers(arg, argv[++index]);
		else if (arg === "--only") {
			const names = (argv[++index] ?? "").split(",");
			const unknown = names.filter((each) => !(SCENARIOS as readonly string[]).includes(each));
			if (unknown.length > 0)
				throw new Error(`--only: unknown scenario(s) ${unknown.join(", ")}; one of ${SCENARIOS.join(", ")}`);
			only = new Set(names as Scenario[]);
		} else if (arg === "--help" || arg === "-h") {
			process.stdout.write(
				"usage: npm run bench [-- --quick | --smoke] [--out-dir DIR] [--rooms N] [--only LIST] [--scale N1,N2,...]\n",
			);
			process.exit(0);
		} else {
			throw new Error(
				`Unknown option "${arg}". Options: --quick, --smoke, --out-dir DIR, --rooms N, --only LIST, --scale LIST.`,
			);
		}
	}
	const profile = rooms === undefined ? PROFILES[name] : { ...PROFILES[name], manyRooms: rooms };
	// A partial or scaling run is never the standing record of a full or quick run.
	const latestName = only || scale ? undefined : LATEST_NAMES[name];
	return { profile, outDir, latestName, only, scale };
}

function checkBuilt(): void {
	for (const name of NEEDED_MODULES) {
		const path = join(ROOT, "build/wasm", `${name}.wasm`);
		let bytes: Buffer;
		try {
			bytes = readFileSync(path);
		} catch {
			throw new Error(`${path} is missing: run \`npm run build:wasm -- --strict\` first (npm run bench does).`);
		}
		// A placeholder (toolchain missing) is not a wasm module: "\0asm" is its magic number.
		if (bytes.subarray(0, 4).toString("latin1") !== "\0asm") {
			throw new Error(`${path} is a placeholder (its toolchain is missing): install it and run npm run build:wasm.`);
		}
	}
}

function machine(loadAtStart: number): Record<string, string | number> {
	const cpuList = cpus();
	const version = (pkg: string) =>
		(JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
	let commit = "unknown";
	try {
		commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
	} catch {
		// Not a git checkout.
	}
	return {
		cpus: cpuList.length,
		cpu: cpuList[0]?.model.trim() ?? "unknown",
		memoryGiB: Math.round(totalmem() / 2 ** 30),
		node: process.version,
		wrangler: version("wrangler"),
		partyserver: version("partyserver"),
		commit,
		loadAverageAtStart: loadAtStart,
		loadAverageAtEnd: loadavg()[0] ?? 0,
	};
}

function mapTargets(value: (id: TargetId) => number): Record<TargetId, number> {
	return Object.fromEntries(TARGETS.map((target) => [target.id, value(target.id)])) as Record<TargetId, number>;
}

async function main(): Promise<void> {
	const options = parseArgs(process.argv.slice(2));
	const { profile } = options;
	const started = new Date();
	const loadAtStart = loadavg()[0] ?? 0;
	const t0 = performance.now();
	const progress = (line: string) =>
		process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
	checkBuilt();
	await buildGuest();
	progress(`${profile.name} run: starting wrangler dev (bench/wrangler.toml)`);
	const server: BenchServer = await startServer(ROOT);
	await publishCounters(ROOT, server.http);
	const stop = () => {
		void server.stop().finally(() => process.exit(130));
	};
	process.once("SIGINT", stop);
	process.once("SIGTERM", stop);
	try {
		const ctx: RunContext = { server, profile, runId: started.getTime().toString(36), progress };
		const summary = (what: string, values: Record<TargetId, number>) =>
			progress(`${what}: ${TARGETS.map((target) => `${target.id} ${format(values[target.id])}`).join(", ")}`);
		if (options.scale) {
			await scaleRun(ctx, options, options.scale, started);
			return;
		}
		if (options.only) {
			await partialRun(ctx, options, options.only, started, summary);
			return;
		}
		const lat = await latency(ctx);
		summary(
			"round trips/s",
			mapTargets((id) => lat[id].roundTripsPerSecond),
		);
		const fan = await fanout(ctx);
		summary("fan-out deliveries/s", fan);
		const burst = await bursts(ctx);
		summary("burst msgs/s", burst);
		const many = await manyRooms(ctx);
		summary("many rooms round trips/s", many);
		const neighbour = await neighbours(ctx);
		progress(
			`neighbours of a spinning flood: /status p99 ${format(neighbour.statusP99Ms)} ms, another room p99 ${format(neighbour.roomP99Ms)} ms`,
		);
		const tsSteps = await ladder(ctx, tsLadder(profile));
		const wasmSteps = await ladder(ctx, wasmLadder(profile));
		const woken = await wake(ctx);
		const idle = await idleMemory(ctx);
		const figures = Object.fromEntries(
			TARGETS.map((target) => [
				target.id,
				{
					...lat[target.id],
					fanoutPerSecond: fan[target.id],
					manyRoomsPerSecond: many[target.id],
					burstPerSecond: burst[target.id],
					wakeMs: woken[target.id] ?? Number.NaN,
					idleKiBPerRoom: idle[target.id],
				} satisfies Figures,
			]),
		) as Record<TargetId, Figures>;
		const record = buildRecord({
			profile,
			startedAt: started,
			seconds: (performance.now() - t0) / 1000,
			machine: machine(loadAtStart),
			figures,
			tsLadder: tsSteps,
			wasmLadder: wasmSteps,
			wake: woken,
			wakeTargets: wakeTargets(),
			neighbours: neighbour,
			notes: [
				"Ratios are 'times as good as the baseline' of the same run: above 1 is better, for rates and times alike.",
				"Wake: rooms are evicted by restarting wrangler dev on the same storage; time from opening a socket to the first reply.",
				"Idle memory: growth of workerd's resident memory over N rooms with one idle client each, floored at 1 KiB per room.",
				"Neighbours: one client sends a burst of messages to a room whose guest spins until its fuel runs out on each; /status and a round trip in another room are timed back to back meanwhile (each round floods a new room).",
				`Handshakes retried after a failure while opening many sockets at once: ${connectRetries.count}.`,
			],
		});
		mkdirSync(options.outDir, { recursive: true });
		const stamp = started.toISOString().replace(/[:.]/g, "-");
		const json = `${JSON.stringify(record, null, 2)}\n`;
		writeFileSync(join(options.outDir, `${stamp}-${profile.name}.json`), json);
		if (options.latestName !== undefined) {
			writeFileSync(join(options.outDir, `${options.latestName}.json`), json);
			writeFileSync(join(options.outDir, `${options.latestName}.svg`), chart(record));
			writeFileSync(join(options.outDir, `${options.latestName}.md`), markdown(record));
		} else {
			writeFileSync(join(options.outDir, `${stamp}-${profile.name}.svg`), chart(record));
		}
		process.stdout.write(render(record));
		progress(`done: results in ${options.outDir}`);
	} catch (error) {
		progress(`wrangler dev's last output:\n${server.output().slice(-4000)}`);
		throw error;
	} finally {
		await server.stop();
	}
}

function markdownTable(header: string[], rows: string[][]): string {
	const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
	return [row(header), row(header.map((_, column) => (column === 0 ? "---" : "---:"))), ...rows.map(row)].join("\n");
}

/** The scaling run: a table of round trips per second and memory per room as N grows. */
async function scaleRun(ctx: RunContext, options: Options, sizes: readonly number[], started: Date): Promise<void> {
	let md = "";
	const write = (steps: readonly ScaleStep[]) => {
		const rows = TARGETS.map((target) => [
			target.label,
			...steps.map((step) => format(step.roundTripsPerSecond[target.id])),
			...steps.map((step) => format(step.kibPerRoom[target.id])),
		]);
		const header = [
			"target",
			...steps.map((step) => `${step.rooms} rooms: round trips/s`),
			...steps.map((step) => `${step.rooms} rooms: KiB/room`),
		];
		md = `${markdownTable(header, rows)}\n`;
		const record = {
			format: 1,
			profile: options.profile.name,
			startedAt: started.toISOString(),
			machine: machine(loadavg()[0] ?? 0),
			settings: { manyRoomsMs: options.profile.manyRoomsMs, clientsPerRoom: 1, sizes },
			steps,
		};
		mkdirSync(options.outDir, { recursive: true });
		const name = options.profile.name === "full" ? "scale" : `scale-${options.profile.name}`;
		writeFileSync(join(options.outDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
		writeFileSync(join(options.outDir, `${name}.md`), md);
	};
	await scale(ctx, sizes, write);
	process.stdout.write(md);
}

/** Some scenarios only: their figures and their ratios to each baseline, for iterating on one cost. */
async function partialRun(
	ctx: RunContext,
	options: Options,
	only: ReadonlySet<Scenario>,
	started: Date,
	summary: (what: string, values: Record<TargetId, number>) => void,
): Promise<void> {
	const results: Record<string, unknown> = {};
	const show = (what: string, metric: MetricId, values: Record<TargetId, number>) => {
		summary(what, values);
		for (const baseline of BASELINES)
			ctx.progress(
				`  / ${baseline}: ${TARGETS.map((target) => `${target.id} ${ratio(metric, values[target.id], values[baseline]).toFixed(2)}x`).join(", ")}`,
			);
		results[what] = values;
	};
	if (only.has("latency")) {
		const lat = await latency(ctx);
		show(
			"round trips/s",
			"roundTripsPerSecond",
			mapTargets((id) => lat[id].roundTripsPerSecond),
		);
		show(
			"latency p99 ms",
			"latencyP99Ms",
			mapTargets((id) => lat[id].latencyP99Ms),
		);
	}
	if (only.has("fanout")) show("fan-out deliveries/s", "fanoutPerSecond", await fanout(ctx));
	if (only.has("burst")) show("burst msgs/s", "burstPerSecond", await bursts(ctx));
	if (only.has("many")) show("many rooms round trips/s", "manyRoomsPerSecond", await manyRooms(ctx));
	if (only.has("neighbours")) results.neighbours = await neighbours(ctx);
	if (only.has("ladders"))
		results.ladders = [await ladder(ctx, tsLadder(ctx.profile)), await ladder(ctx, wasmLadder(ctx.profile))];
	if (only.has("wake")) {
		const woken = await wake(ctx);
		show(
			"wake ms",
			"wakeMs",
			mapTargets((id) => woken[id] ?? Number.NaN),
		);
		results.wake = woken;
	}
	if (only.has("idle")) show("idle KiB/room", "idleKiBPerRoom", await idleMemory(ctx));
	mkdirSync(options.outDir, { recursive: true });
	const stamp = started.toISOString().replace(/[:.]/g, "-");
	writeFileSync(
		join(options.outDir, `${stamp}-${options.profile.name}-partial.json`),
		`${JSON.stringify({ settings: options.profile, machine: machine(loadavg()[0] ?? 0), results }, null, 2)}\n`,
	);
	process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
