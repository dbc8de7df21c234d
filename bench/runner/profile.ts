#!/usr/bin/env node
/**
 * `npm run bench:profile`: where a room's cost goes, measured with workerd's own inspector (the
 * V8 DevTools protocol that `wrangler dev` proxies), in the one isolate that hosts every target.
 *
 * For each target it opens N rooms (one client each, one round trip, so every room has started
 * and run an event), then
 *
 * - takes a V8 heap snapshot before and after, and prints the growth per room: bytes and objects,
 *   by constructor (what a room allocates and keeps);
 * - records a CPU profile while every room's client does round trips for a few seconds, and
 *   prints the functions that took the most self time (what an event costs, by function).
 *
 *   --targets ts,raw-storage   which targets (default: all)
 *   --rooms N                  rooms per target (default 200)
 *   --cpu-ms MS                length of each CPU profile (default 3000; 0: none)
 *   --top K                    rows per table (default 25)
 *   --burst N                  the CPU profile's load: each client sends N messages without
 *                              waiting, then waits for the N replies, again and again (default:
 *                              one message at a time)
 */
import { resolve } from "node:path";
import WebSocket from "ws";
import { buildGuest } from "../build-guest.mjs";
import { closeAll, LoadClient, openMany } from "./client.ts";
import { publishCounters } from "./publish.ts";
import { startServer } from "./server.ts";
import { TARGETS, type Target } from "./targets.ts";

const ROOT = resolve(import.meta.dirname, "../..");

interface Options {
	readonly targets: readonly Target[];
	readonly rooms: number;
	readonly cpuMs: number;
	readonly top: number;
	readonly burst: number;
}

function parseArgs(argv: readonly string[]): Options {
	let targets: readonly Target[] = TARGETS;
	let rooms = 200;
	let cpuMs = 3000;
	let top = 25;
	let burst = 1;
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		const value = argv[++index] ?? "";
		if (arg === "--targets") {
			const ids = value.split(",");
			targets = TARGETS.filter((target) => ids.includes(target.id));
			if (targets.length !== ids.length) throw new Error(`--targets: one of ${TARGETS.map((t) => t.id).join(", ")}`);
		} else if (arg === "--rooms") rooms = Number(value);
		else if (arg === "--cpu-ms") cpuMs = Number(value);
		else if (arg === "--top") top = Number(value);
		else if (arg === "--burst") burst = Number(value);
		else throw new Error(`Unknown option "${arg}". Options: --targets, --rooms N, --cpu-ms MS, --top K, --burst N.`);
	}
	return { targets, rooms, cpuMs, top, burst };
}

/** A DevTools protocol session with workerd's isolate, through wrangler's inspector proxy. */
class Inspector {
	#next = 1;
	readonly #calls = new Map<number, (result: unknown) => void>();
	readonly #listeners = new Map<string, (params: unknown) => void>();

	readonly #socket: WebSocket;

	private constructor(socket: WebSocket) {
		this.#socket = socket;
		socket.on("message", (data) => {
			if (process.env.INSPECTOR_DEBUG) process.stderr.write(`${data.toString().slice(0, 300)}\n`);
			const message = JSON.parse(data.toString()) as {
				id?: number;
				result?: unknown;
				error?: unknown;
				method?: string;
				params?: unknown;
			};
			if (message.id !== undefined) {
				this.#calls.get(message.id)?.(message.error ? Promise.reject(message.error) : message.result);
				this.#calls.delete(message.id);
			} else if (message.method) this.#listeners.get(message.method)?.(message.params);
		});
	}

	static async connect(port: number): Promise<Inspector> {
		const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
		const target = list[0]?.webSocketDebuggerUrl;
		if (!target) throw new Error("workerd's inspector lists no isolate");
		const socket = new WebSocket(target, { maxPayload: 2 ** 31 });
		await new Promise((done, fail) => {
			socket.once("open", done);
			socket.once("error", fail);
		});
		return new Inspector(socket);
	}

	call<T>(method: string, params: unknown = {}): Promise<T> {
		const id = this.#next++;
		if (process.env.INSPECTOR_DEBUG) process.stderr.write(`-> ${method}\n`);
		this.#socket.send(JSON.stringify({ id, method, params }));
		return new Promise((done) => this.#calls.set(id, done as (result: unknown) => void));
	}

	on(method: string, listener: (params: unknown) => void): void {
		this.#listeners.set(method, listener);
	}

	close(): void {
		this.#socket.close();
	}

	/** A full heap snapshot (V8 collects garbage first), summed by constructor name. */
	async heap(): Promise<Map<string, { count: number; bytes: number }>> {
		let chunks: string[] = [];
		this.on("HeapProfiler.addHeapSnapshotChunk", (params) => chunks.push((params as { chunk: string }).chunk));
		await this.call("HeapProfiler.enable");
		await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
		const snapshot = JSON.parse(chunks.join("")) as {
			snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
			nodes: number[];
			strings: string[];
		};
		chunks = [];
		const fields = snapshot.snapshot.meta.node_fields;
		const stride = fields.length;
		const typeField = fields.indexOf("type");
		const nameField = fields.indexOf("name");
		const sizeField = fields.indexOf("self_size");
		const types = snapshot.snapshot.meta.node_types[0];
		const sums = new Map<string, { count: number; bytes: number }>();
		for (let node = 0; node < snapshot.nodes.length; node += stride) {
			const type = types[snapshot.nodes[node + typeField] as number] ?? "?";
			const name = snapshot.strings[snapshot.nodes[node + nameField] as number] ?? "?";
			// Objects by constructor; everything else (code, strings, arrays, closures) by kind.
			const key = type === "object" ? name : type === "closure" ? `(closure ${name})` : `(${type})`;
			const sum = sums.get(key) ?? { count: 0, bytes: 0 };
			sum.count += 1;
			sum.bytes += snapshot.nodes[node + sizeField] as number;
			sums.set(key, sum);
		}
		return sums;
	}

	/** A CPU profile over `during`, summed as self time by function and source file. */
	async cpu(during: () => Promise<void>): Promise<{ total: number; rows: Map<string, number> }> {
		await this.call("Profiler.enable");
		await this.call("Profiler.setSamplingInterval", { interval: 200 });
		await this.call("Profiler.start");
		await during();
		const { profile } = await this.call<{
			profile: {
				nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
				samples: number[];
				timeDeltas: number[];
			};
		}>("Profiler.stop");
		const byId = new Map(profile.nodes.map((node) => [node.id, node]));
		const rows = new Map<string, number>();
		let total = 0;
		profile.samples.forEach((id, index) => {
			const frame = byId.get(id)?.callFrame;
			const micros = profile.timeDeltas[index] ?? 0;
			total += micros;
			const file = frame?.url.split("/").slice(-2).join("/") ?? "";
			const key = `${frame?.functionName || "(anonymous)"} ${file}:${(frame?.lineNumber ?? 0) + 1}`;
			rows.set(key, (rows.get(key) ?? 0) + micros);
		});
		return { total, rows };
	}
}

async function main(): Promise<void> {
	const options = parseArgs(process.argv.slice(2));
	const log = (line: string) => process.stderr.write(`[profile] ${line}\n`);
	await buildGuest();
	const server = await startServer(ROOT);
	const held: LoadClient[] = [];
	try {
		// The published targets run services published at run time, as in the benchmark.
		await publishCounters(ROOT, server.http);
		log(`wrangler dev serves on ${server.http}; inspector on ${server.inspectorPort()}`);
		const inspector = await Inspector.connect(server.inspectorPort());
		log("inspector connected");
		const runId = Date.now().toString(36);
		// Warm every target up: the first room of a kind compiles its module, once per isolate.
		for (const target of options.targets) {
			const client = await LoadClient.open(`${server.ws}${target.path(`${runId}-warm`)}`);
			held.push(client);
			await client.roundTrip("increment");
		}
		for (const target of options.targets) {
			const before = await inspector.heap();
			const rssBefore = server.rssBytes();
			const clients = await openMany(options.rooms, (index) => `${server.ws}${target.path(`${runId}-p-${index}`)}`);
			held.push(...clients);
			await Promise.all(clients.map((client) => client.roundTrip("increment")));
			await new Promise((done) => setTimeout(done, 1000));
			const after = await inspector.heap();
			const rssPerRoom = (server.rssBytes() - rssBefore) / 1024 / options.rooms;
			const growth = [...after]
				.map(([key, sum]) => {
					const was = before.get(key) ?? { count: 0, bytes: 0 };
					return {
						key,
						count: (sum.count - was.count) / options.rooms,
						bytes: (sum.bytes - was.bytes) / options.rooms,
					};
				})
				.sort((a, b) => b.bytes - a.bytes);
			const heapPerRoom = growth.reduce((sum, row) => sum + row.bytes, 0);
			const objectsPerRoom = growth.reduce((sum, row) => sum + row.count, 0);
			process.stdout.write(
				`\n## ${target.label}: ${options.rooms} rooms\n\nJS heap kept per room: ${(heapPerRoom / 1024).toFixed(1)} KiB in ${objectsPerRoom.toFixed(0)} objects; workerd resident memory per room: ${rssPerRoom.toFixed(0)} KiB\n\n| kept per room | objects | bytes |\n| --- | ---: | ---: |\n`,
			);
			for (const row of growth.slice(0, options.top))
				process.stdout.write(`| ${row.key} | ${row.count.toFixed(2)} | ${row.bytes.toFixed(0)} |\n`);
			if (options.cpuMs > 0) {
				let events = 0;
				const cpuBefore = server.cpuMs();
				const { total, rows } = await inspector.cpu(async () => {
					const deadline = performance.now() + options.cpuMs;
					await Promise.all(
						clients.map(async (client) => {
							while (performance.now() < deadline) {
								const expected = client.received + options.burst;
								for (let sent = 0; sent < options.burst; sent++) client.send("increment");
								await client.until(expected);
								events += options.burst;
							}
						}),
					);
				});
				const busy = total - (rows.get("(idle) :0") ?? 0);
				const workerdMs = server.cpuMs() - cpuBefore;
				process.stdout.write(
					`\nCPU: ${events} events in ${options.cpuMs} ms; workerd's CPU time (all threads, /proc) ${((1000 * workerdMs) / events).toFixed(0)} us per event; the isolate's ${(busy / events).toFixed(0)} us per event (${((100 * busy) / total).toFixed(0)}% busy)\n\n| self time | us/event | share |\n| --- | ---: | ---: |\n`,
				);
				for (const [key, micros] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, options.top))
					process.stdout.write(
						`| ${key} | ${(micros / events).toFixed(1)} | ${((100 * micros) / total).toFixed(1)}% |\n`,
					);
			}
			log(`${target.label}: done`);
		}
		inspector.close();
	} finally {
		closeAll(held);
		await server.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`[profile] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
