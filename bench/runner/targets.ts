/** What the benchmark measures side by side, and the figures it reports for each. */

export type TargetId =
	| "ts"
	| "ts-relaxed"
	| "ts-published"
	| "rust"
	| "rust-published"
	| "c"
	| "as"
	| "raw-memory"
	| "raw-storage"
	| "partyserver";
export type BaselineId = "raw-memory" | "raw-storage" | "partyserver";

export interface Target {
	readonly id: TargetId;
	readonly label: string;
	readonly stateroom: boolean;
	/** The WebSocket path of room `room`. */
	path(room: string): string;
}

const stateroom = (id: TargetId, label: string, service: string): Target => ({
	id,
	label,
	stateroom: true,
	path: (room) => `/s/${service}/ws/${room}`,
});

/** Every target serves the same counter: "increment" -> "new value: N" to everyone in the room. */
export const TARGETS: readonly Target[] = [
	stateroom("ts", "Stateroom TypeScript", "counter"),
	// The same Counter with durability "relaxed": replies at once, writes gathered for 100 ms.
	stateroom("ts-relaxed", "Stateroom TypeScript, relaxed", "relaxed-counter"),
	// The same Counter, published at run time: it runs in an isolate of its own (bench/runner/publish.ts).
	stateroom("ts-published", "Stateroom TypeScript, published", "published-counter"),
	stateroom("rust", "Stateroom Rust", "rust-counter"),
	stateroom("rust-published", "Stateroom Rust, published", "published-rust-counter"),
	stateroom("c", "Stateroom C", "c-counter"),
	stateroom("as", "Stateroom AssemblyScript", "as-counter"),
	{ id: "raw-memory", label: "raw DO, in memory", stateroom: false, path: (room) => `/raw/memory/${room}` },
	{ id: "raw-storage", label: "raw DO, stores every event", stateroom: false, path: (room) => `/raw/storage/${room}` },
	{ id: "partyserver", label: "PartyServer", stateroom: false, path: (room) => `/parties/party-counter/${room}` },
];

export const BASELINES: readonly BaselineId[] = ["raw-memory", "raw-storage", "partyserver"];

export type MetricId =
	| "latencyP50Ms"
	| "latencyP99Ms"
	| "roundTripsPerSecond"
	| "fanoutPerSecond"
	| "manyRoomsPerSecond"
	| "burstPerSecond"
	| "wakeMs"
	| "idleKiBPerRoom";

export interface Metric {
	readonly id: MetricId;
	readonly label: string;
	readonly unit: string;
	/** Whether a bigger figure is better; ratios are always "times as good as the baseline". */
	readonly higherIsBetter: boolean;
}

export const METRICS: readonly Metric[] = [
	{ id: "latencyP50Ms", label: "latency p50", unit: "ms", higherIsBetter: false },
	{ id: "latencyP99Ms", label: "latency p99", unit: "ms", higherIsBetter: false },
	{ id: "roundTripsPerSecond", label: "round trips", unit: "/s", higherIsBetter: true },
	{ id: "fanoutPerSecond", label: "fan-out", unit: "deliveries/s", higherIsBetter: true },
	{ id: "manyRoomsPerSecond", label: "many rooms", unit: "round trips/s", higherIsBetter: true },
	{ id: "burstPerSecond", label: "burst", unit: "msgs/s", higherIsBetter: true },
	{ id: "wakeMs", label: "wake", unit: "ms", higherIsBetter: false },
	{ id: "idleKiBPerRoom", label: "idle memory", unit: "KiB/room", higherIsBetter: false },
];

/** How much load each mode puts on the server. */
export interface Profile {
	readonly name: "full" | "quick" | "smoke";
	readonly rounds: number;
	/** Sequential round trips per target per round, bounded by time. */
	readonly latencyMs: number;
	readonly fanoutClients: number;
	readonly fanoutMs: number;
	readonly manyRooms: number;
	readonly manyRoomsMs: number;
	readonly manyRoomsRounds: number;
	readonly burstSize: number;
	readonly burstsPerRound: number;
	readonly tsLadderBytes: readonly number[];
	readonly wasmLadderPages: readonly number[];
	readonly ladderMs: number;
	readonly wakeRooms: number;
	readonly idleRooms: number;
	readonly idleSettleMs: number;
	/** How long neighbours are timed while one room floods a spinning guest, per round. */
	readonly neighbourMs: number;
	/** Messages the flooding client sends at once (under the default burst of 200). */
	readonly floodMessages: number;
}

export const PROFILES: Readonly<Record<Profile["name"], Profile>> = {
	full: {
		name: "full",
		rounds: 5,
		latencyMs: 1500,
		fanoutClients: 100,
		fanoutMs: 1500,
		manyRooms: 1000,
		manyRoomsMs: 3000,
		manyRoomsRounds: 2,
		burstSize: 100,
		burstsPerRound: 5,
		tsLadderBytes: [1_000, 10_000, 100_000, 1_000_000, 10_000_000],
		wasmLadderPages: [1, 4, 16, 64, 256, 1024],
		ladderMs: 2000,
		wakeRooms: 8,
		idleRooms: 200,
		idleSettleMs: 2000,
		neighbourMs: 5000,
		floodMessages: 100,
	},
	quick: {
		name: "quick",
		rounds: 2,
		latencyMs: 300,
		fanoutClients: 100,
		fanoutMs: 300,
		manyRooms: 100,
		manyRoomsMs: 700,
		manyRoomsRounds: 1,
		burstSize: 100,
		burstsPerRound: 2,
		tsLadderBytes: [1_000, 100_000, 1_000_000, 10_000_000],
		wasmLadderPages: [1, 16, 256, 1024],
		ladderMs: 400,
		wakeRooms: 2,
		idleRooms: 40,
		idleSettleMs: 500,
		neighbourMs: 3000,
		floodMessages: 100,
	},
	smoke: {
		name: "smoke",
		rounds: 1,
		latencyMs: 150,
		fanoutClients: 10,
		fanoutMs: 150,
		manyRooms: 10,
		manyRoomsMs: 300,
		manyRoomsRounds: 1,
		burstSize: 20,
		burstsPerRound: 1,
		tsLadderBytes: [1_000, 100_000],
		wasmLadderPages: [1, 16],
		ladderMs: 150,
		wakeRooms: 1,
		idleRooms: 5,
		idleSettleMs: 200,
		neighbourMs: 1000,
		floodMessages: 20,
	},
};
