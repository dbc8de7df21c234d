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
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { buildGuest } from "../build-guest.mjs";
import { chart } from "./chart.ts";
import { connectRetries } from "./client.ts";
import { publishCounters } from "./publish.ts";
import { buildRecord, type Figures, format, markdown, render } from "./report.ts";
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
	tsLadder,
	wake,
	wakeTargets,
	wasmLadder,
} from "./scenarios.ts";
import { type BenchServer, startServer } from "./server.ts";
import { PROFILES, type Profile, TARGETS, type TargetId } from "./targets.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NEEDED_MODULES = ["rust-counter", "c-counter", "as-counter"];

interface Options {
	readonly profile: Profile;
	readonly outDir: string;
	/** The run's standing name ("latest" for a full run, "quick"), or none for a smoke run. */
	readonly latestName: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
	let name: Profile["name"] = "full";
	let outDir = join(ROOT, "bench/results");
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (arg === "--quick") name = "quick";
		else if (arg === "--smoke") name = "smoke";
		else if (arg === "--out-dir") outDir = resolve(argv[++index] ?? "");
		else if (arg === "--help" || arg === "-h") {
			process.stdout.write("usage: npm run bench [-- --quick | --smoke] [--out-dir DIR]\n");
			process.exit(0);
		} else {
			throw new Error(`Unknown option "${arg}". Options: --quick, --smoke, --out-dir DIR.`);
		}
	}
	return { profile: PROFILES[name], outDir, latestName: LATEST_NAMES[name] };
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

main().catch((error: unknown) => {
	process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
