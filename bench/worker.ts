/**
 * The benchmark's Worker: Stateroom's counters (TypeScript, also with relaxed durability, Rust,
 * C, AssemblyScript) and the ladder services, served through the public entry `stateroom`, next to a raw Durable Object
 * counter (in memory, and storing every event) and the same counter on PartyServer.
 *
 *   /s/:service/ws/:room    Stateroom (counter, relaxed-counter, rust-counter, c-counter, as-counter,
 *                           ts-ladder, wasm-ladder, spinner; published-counter and
 *                           published-rust-counter once the runner has published them)
 *   /raw/memory/:room       raw Durable Object, count in memory
 *   /raw/storage/:room      raw Durable Object, count stored on every event
 *   /parties/party-counter/:room   PartyServer
 */
import { routePartykitRequest } from "partyserver";
import { createStateroom, defineServices } from "stateroom";
import wasmLadder from "../build/bench/ladder.wasm";
import spinner from "../build/fixtures/contained.wasm";
import asCounter from "../build/wasm/as-counter.wasm";
import cCounter from "../build/wasm/c-counter.wasm";
import rustCounter from "../build/wasm/rust-counter.wasm";
import { Counter } from "../services/counter.ts";
import { PartyCounter, RawMemoryCounter, RawStorageCounter } from "./baselines.ts";
import { StateLadder } from "./ladder-service.ts";

interface BenchEnv {
	readonly ROOMS: DurableObjectNamespace;
	readonly RAW_MEMORY: DurableObjectNamespace;
	readonly RAW_STORAGE: DurableObjectNamespace;
	readonly PartyCounter: DurableObjectNamespace;
}

/**
 * Per-client rate limits off: a load test sends faster than a person would, and the baselines
 * have no such limit. Every other setting is the default, durability "strict" included, except
 * for `relaxed-counter`: the same Counter with durability "relaxed", which shows what relaxed
 * durability buys against the in-memory baseline.
 */
const UNTHROTTLED = { messagesPerSecond: Number.POSITIVE_INFINITY, messageBurst: 1_000_000 } as const;

const stateroom = createStateroom(
	defineServices({
		default: "counter",
		services: {
			counter: { implementation: Counter, limits: UNTHROTTLED },
			"relaxed-counter": { implementation: Counter, limits: UNTHROTTLED, durability: "relaxed" },
			"rust-counter": { implementation: rustCounter, limits: UNTHROTTLED },
			"c-counter": { implementation: cCounter, limits: UNTHROTTLED },
			"as-counter": { implementation: asCounter, limits: UNTHROTTLED },
			// 10 MB of state and 1,024 pages (64 MiB) are above the defaults; the ladders need them.
			"ts-ladder": { implementation: StateLadder, limits: { ...UNTHROTTLED, maxStateBytes: 32 * 1024 * 1024 } },
			"wasm-ladder": { implementation: wasmLadder, limits: { ...UNTHROTTLED, maxMemoryBytes: 64 * 1024 * 1024 } },
			// A hostile room's guest: "l" spins until its fuel runs out. Default settings throughout
			// (rate limit, fuel, failure streak, cool-down): the neighbour scenario floods it.
			spinner,
		},
	}),
);

const RAW_ROUTE = /^\/raw\/(memory|storage)\/([^/]+)$/;

export default {
	async fetch(request, env, ctx): Promise<Response> {
		const raw = RAW_ROUTE.exec(new URL(request.url).pathname);
		if (raw) {
			const namespace = raw[1] === "memory" ? env.RAW_MEMORY : env.RAW_STORAGE;
			return namespace.get(namespace.idFromName(raw[2] ?? "")).fetch(request);
		}
		const party = await routePartykitRequest(request, env as unknown as Cloudflare.Env);
		if (party) return party;
		const fetchRoom = stateroom.worker.fetch;
		if (!fetchRoom) throw new Error("createStateroom returned a Worker without a fetch handler.");
		return fetchRoom(request, env, ctx);
	},
} satisfies ExportedHandler<BenchEnv>;

/** Stateroom's room Durable Object (serving the services above), its published services' catalog, and the baselines'. */
export { PublishedServices, Room } from "stateroom";
export { PartyCounter, RawMemoryCounter, RawStorageCounter };
