/**
 * Turns measurements into the run's record: every figure, and every figure as a ratio to each
 * baseline of the same run ("times as good as": above 1 is better than the baseline, whether
 * the figure is a rate or a time), plus the text table printed at the end.
 */
import type { LadderResult, NeighbourResult, WakeTarget } from "./scenarios.ts";
import { round } from "./stats.ts";
import { BASELINES, type BaselineId, METRICS, type MetricId, type Profile, TARGETS, type TargetId } from "./targets.ts";

export type Figures = Record<MetricId, number>;

export interface LadderRecord {
	readonly size: number;
	readonly roundTripsPerSecond: number;
	readonly latencyP50Ms: number;
	/**
	 * Round trips per second as a ratio to the ladder's smallest size, then to each baseline's
	 * counter measured in the same rounds as the ladder.
	 */
	readonly ratios: Record<"smallest" | BaselineId, number>;
}

export interface WakeRecord {
	readonly id: string;
	readonly label: string;
	readonly wakeMs: number;
	readonly ratios: Record<BaselineId, number>;
}

export interface BenchRecord {
	readonly format: 1;
	readonly profile: Profile["name"];
	readonly startedAt: string;
	readonly seconds: number;
	readonly machine: Record<string, string | number>;
	readonly settings: Profile;
	readonly targets: { readonly id: TargetId; readonly label: string; readonly stateroom: boolean }[];
	readonly metrics: typeof METRICS;
	readonly figures: Record<TargetId, Figures>;
	readonly ratios: Record<BaselineId, Record<TargetId, Figures>>;
	readonly ladders: {
		readonly typescriptBytes: LadderRecord[];
		readonly wasmPages: LadderRecord[];
		/** The baselines' round trips per second, measured in each ladder's rounds. */
		readonly baselines: Record<"typescript" | "wasm", Record<BaselineId, number>>;
	};
	readonly wake: WakeRecord[];
	/** Latency of `/status` and of another room while one room floods a spinning guest. */
	readonly neighbours: NeighbourResult;
	readonly notes: string[];
}

const better = (metric: MetricId) => METRICS.find((m) => m.id === metric)?.higherIsBetter ?? true;

/** "Times as good as the baseline": above 1 means better, for rates and times alike. */
export function ratio(metric: MetricId, value: number, baseline: number): number {
	return better(metric) ? value / baseline : baseline / value;
}

export function buildRecord(input: {
	profile: Profile;
	startedAt: Date;
	seconds: number;
	machine: Record<string, string | number>;
	figures: Record<TargetId, Figures>;
	tsLadder: LadderResult;
	wasmLadder: LadderResult;
	wake: Record<string, number>;
	wakeTargets: WakeTarget[];
	neighbours: NeighbourResult;
	notes: string[];
}): BenchRecord {
	const { figures } = input;
	const ratios = Object.fromEntries(
		BASELINES.map((baseline) => [
			baseline,
			Object.fromEntries(
				TARGETS.map((target) => [
					target.id,
					Object.fromEntries(
						METRICS.map((metric) => [
							metric.id,
							round(ratio(metric.id, figures[target.id][metric.id], figures[baseline][metric.id])),
						]),
					),
				]),
			),
		]),
	) as Record<BaselineId, Record<TargetId, Figures>>;
	const ladderRecords = ({ steps, baselines }: LadderResult): LadderRecord[] =>
		steps.map((step) => ({
			size: step.size,
			roundTripsPerSecond: round(step.roundTripsPerSecond),
			latencyP50Ms: round(step.latencyP50Ms),
			ratios: {
				smallest: round(step.roundTripsPerSecond / (steps[0]?.roundTripsPerSecond ?? Number.NaN)),
				...(Object.fromEntries(
					BASELINES.map((baseline) => [baseline, round(step.roundTripsPerSecond / baselines[baseline])]),
				) as Record<BaselineId, number>),
			},
		}));
	return {
		format: 1,
		profile: input.profile.name,
		startedAt: input.startedAt.toISOString(),
		seconds: round(input.seconds),
		machine: input.machine,
		settings: input.profile,
		targets: TARGETS.map(({ id, label, stateroom }) => ({ id, label, stateroom })),
		metrics: METRICS,
		figures: Object.fromEntries(
			TARGETS.map((target) => [
				target.id,
				Object.fromEntries(METRICS.map((metric) => [metric.id, round(figures[target.id][metric.id])])),
			]),
		) as Record<TargetId, Figures>,
		ratios,
		ladders: {
			typescriptBytes: ladderRecords(input.tsLadder),
			wasmPages: ladderRecords(input.wasmLadder),
			baselines: {
				typescript: roundAll(input.tsLadder.baselines),
				wasm: roundAll(input.wasmLadder.baselines),
			},
		},
		wake: input.wakeTargets.map((target) => {
			const wakeMs = input.wake[target.id] ?? Number.NaN;
			return {
				id: target.id,
				label: target.label,
				wakeMs: round(wakeMs),
				ratios: Object.fromEntries(
					BASELINES.map((baseline) => [baseline, round(ratio("wakeMs", wakeMs, input.wake[baseline] ?? Number.NaN))]),
				) as Record<BaselineId, number>,
			};
		}),
		neighbours: {
			...input.neighbours,
			statusP50Ms: round(input.neighbours.statusP50Ms),
			statusP99Ms: round(input.neighbours.statusP99Ms),
			statusMaxMs: round(input.neighbours.statusMaxMs),
			roomP50Ms: round(input.neighbours.roomP50Ms),
			roomP99Ms: round(input.neighbours.roomP99Ms),
			roomMaxMs: round(input.neighbours.roomMaxMs),
		},
		notes: input.notes,
	};
}

function roundAll(values: Record<BaselineId, number>): Record<BaselineId, number> {
	return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value)])) as Record<
		BaselineId,
		number
	>;
}

/** Fixed-width text table; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
	const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
	const line = (cells: string[]) =>
		cells
			.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0)))
			.join("  ");
	return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

export function format(value: number): string {
	if (!Number.isFinite(value)) return String(value);
	if (Math.abs(value) >= 100) return value.toFixed(0);
	if (Math.abs(value) >= 10) return value.toFixed(1);
	return value.toFixed(2);
}

const SHORT: Record<BaselineId, string> = { "raw-memory": "mem", "raw-storage": "sto", partyserver: "party" };

/** The cells of one row of each table; the terminal table and the Markdown share them. */
const times = (value: number) => `${format(value)}x`;
const figureCells = (record: BenchRecord, target: BenchRecord["targets"][number]) => [
	target.label,
	...METRICS.map((metric) => format(record.figures[target.id][metric.id])),
];
const ratioCells = (record: BenchRecord, target: BenchRecord["targets"][number], baseline: BaselineId) => [
	`${target.label} / ${SHORT[baseline]}`,
	...METRICS.map((metric) => times(record.ratios[baseline][target.id][metric.id])),
];
const ladderCells = (name: string, step: LadderRecord) => [
	name,
	format(step.roundTripsPerSecond),
	format(step.latencyP50Ms),
	times(step.ratios.smallest),
	times(step.ratios["raw-memory"]),
	times(step.ratios["raw-storage"]),
	times(step.ratios.partyserver),
];
const wakeCells = (entry: WakeRecord) => [
	entry.label,
	format(entry.wakeMs),
	times(entry.ratios["raw-memory"]),
	times(entry.ratios["raw-storage"]),
	times(entry.ratios.partyserver),
];
const neighbourRows = (result: NeighbourResult) => [
	["GET /status", format(result.statusP50Ms), format(result.statusP99Ms), format(result.statusMaxMs)],
	["another room's round trip", format(result.roomP50Ms), format(result.roomP99Ms), format(result.roomMaxMs)],
];
const NEIGHBOUR_HEADER = ["neighbour latency under a spinning flood", "p50 ms", "p99 ms", "max ms"];
const LADDER_HEADER = ["round trips/s", "p50 ms", "vs smallest", "vs mem", "vs sto", "vs party"];
const WAKE_HEADER = ["wake from eviction", "ms (p50)", "vs mem", "vs sto", "vs party"];

export function render(record: BenchRecord): string {
	const header = ["target", ...METRICS.map((metric) => `${metric.label} (${metric.unit})`)];
	const figures = table(
		header,
		record.targets.map((target) => figureCells(record, target)),
	);
	const ratioTable = table(
		["target / baseline", ...METRICS.map((metric) => metric.label)],
		record.targets.flatMap((target) =>
			BASELINES.filter((baseline) => baseline !== target.id).map((baseline) => ratioCells(record, target, baseline)),
		),
	);
	const ladder = (title: string, unit: string, steps: LadderRecord[]) =>
		table(
			[title, ...LADDER_HEADER],
			steps.map((step) => ladderCells(`${step.size} ${unit}`, step)),
		);
	const wake = table(WAKE_HEADER, record.wake.map(wakeCells));
	return [
		`Stateroom benchmark (${record.profile}, ${record.seconds} s, ${record.machine.cpus} cores: ${record.machine.cpu})`,
		"",
		figures,
		"",
		"Ratios (times as good as the baseline; above 1x is better): mem = raw DO in memory, sto = raw DO storing every event, party = PartyServer",
		"",
		ratioTable,
		"",
		ladder("TypeScript state", "bytes", record.ladders.typescriptBytes),
		"",
		ladder("WebAssembly memory", "pages", record.ladders.wasmPages),
		"",
		wake,
		"",
		table(NEIGHBOUR_HEADER, neighbourRows(record.neighbours)),
		`(flooding clients closed with: ${record.neighbours.floodCloseCodes.join(", ")})`,
		"",
	].join("\n");
}

/** The run as Markdown tables, for bench/results/latest.md, which docs/performance.md summarises. */
export function markdown(record: BenchRecord): string {
	const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
	const head = (cells: string[]) => [row(cells), row(cells.map((_, index) => (index === 0 ? "---" : "---:")))];
	const stateroom = record.targets.filter((target) => target.stateroom);
	const lines = [
		...head(["target", ...METRICS.map((metric) => `${metric.label} (${metric.unit})`)]),
		...record.targets.map((target) => row(figureCells(record, target))),
		"",
		...head(["ratio", ...METRICS.map((metric) => metric.label)]),
		...stateroom.flatMap((target) => BASELINES.map((baseline) => row(ratioCells(record, target, baseline)))),
		"",
		...head(["ladder step", ...LADDER_HEADER]),
		...[
			...record.ladders.typescriptBytes.map((step) => ladderCells(`TypeScript, ${step.size} bytes of state`, step)),
			...record.ladders.wasmPages.map((step) => ladderCells(`WebAssembly, ${step.size} pages of memory`, step)),
		].map(row),
		"",
		...head(WAKE_HEADER),
		...record.wake.map((entry) => row(wakeCells(entry))),
		"",
		...head(NEIGHBOUR_HEADER),
		...neighbourRows(record.neighbours).map(row),
		"",
	];
	return lines.join("\n");
}
