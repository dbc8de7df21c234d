/**
 * The run's ratios as a hand-written SVG: for each baseline, every figure of each Stateroom
 * target as "times as good as the baseline" on a log scale around 1x; below, the state-size
 * ladders as round trips per second relative to their smallest size.
 */
import { type BenchRecord, format } from "./report.ts";
import { BASELINES, type BaselineId, METRICS, type TargetId } from "./targets.ts";

const COLORS: Partial<Record<TargetId, string>> = {
	ts: "#3178c6",
	"ts-relaxed": "#2a9d8f",
	"ts-published": "#7fa7d9",
	rust: "#b7410e",
	"rust-published": "#d98a6a",
	c: "#555555",
	as: "#007acc",
};
const STATEROOM: TargetId[] = ["ts", "ts-relaxed", "ts-published", "rust", "rust-published", "c", "as"];
const TITLES: Record<BaselineId, string> = {
	"raw-memory": "vs raw DO, in memory",
	"raw-storage": "vs raw DO, storing every event",
	partyserver: "vs PartyServer",
};

/** Log scale: 0.01x at the left edge, 10x at the right, 1x two thirds across. */
const MIN_LOG = -2;
const MAX_LOG = 1;
const BAR = 7;
const GAP = 10;
const LABEL_WIDTH = 150;
const PANEL_WIDTH = 270;
const PANEL_GAP = 20;
/** Room for one legend entry: its swatch and the longest label ("Stateroom TypeScript, relaxed"). */
const LEGEND_ENTRY = 230;
const LEGEND_LINE = 18;

interface Bar {
	readonly value: number;
	readonly color: string;
	readonly title: string;
}

interface Group {
	readonly label: string;
	readonly bars: readonly Bar[];
}

function escapeXml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function position(value: number): number {
	const log = Math.min(MAX_LOG, Math.max(MIN_LOG, Math.log10(value > 0 ? value : 10 ** MIN_LOG)));
	return ((log - MIN_LOG) / (MAX_LOG - MIN_LOG)) * PANEL_WIDTH;
}

function groupsHeight(groups: readonly Group[]): number {
	return groups.reduce((sum, group) => sum + group.bars.length * BAR + GAP, 0);
}

/** One panel of bars starting at the 1x line; its axis ticks below. */
function panel(x: number, y: number, title: string, groups: readonly Group[]): string {
	const parts = [
		`<text x="${x + PANEL_WIDTH / 2}" y="${y - 8}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
	];
	const height = groupsHeight(groups);
	parts.push(`<rect x="${x}" y="${y}" width="${PANEL_WIDTH}" height="${height}" fill="#f7f7f7"/>`);
	for (const tick of [0.01, 0.1, 0.5, 1, 2, 10]) {
		const tx = x + position(tick);
		const strong = tick === 1;
		parts.push(
			`<line x1="${tx}" y1="${y}" x2="${tx}" y2="${y + height}" stroke="${strong ? "#000" : "#ccc"}" stroke-width="${strong ? 1.5 : 1}"/>`,
			`<text x="${tx}" y="${y + height + 14}" text-anchor="middle" font-size="10">${tick}x</text>`,
		);
	}
	let row = y + GAP / 2;
	const one = x + position(1);
	for (const group of groups) {
		for (const bar of group.bars) {
			const end = x + position(bar.value);
			const left = Math.min(one, end);
			const width = Math.max(1, Math.abs(end - one));
			parts.push(
				`<rect x="${left.toFixed(1)}" y="${row}" width="${width.toFixed(1)}" height="${BAR - 1}" fill="${bar.color}"><title>${escapeXml(bar.title)}</title></rect>`,
			);
			row += BAR;
		}
		row += GAP;
	}
	return parts.join("\n");
}

function labels(x: number, y: number, groups: readonly Group[]): string {
	let row = y + GAP / 2;
	return groups
		.map((group) => {
			const middle = row + (group.bars.length * BAR) / 2 + 4;
			row += group.bars.length * BAR + GAP;
			return `<text x="${x + LABEL_WIDTH - 8}" y="${middle}" text-anchor="end">${escapeXml(group.label)}</text>`;
		})
		.join("\n");
}

function bytesLabel(bytes: number): string {
	if (bytes >= 1_000_000) return `${bytes / 1_000_000} MB`;
	if (bytes >= 1_000) return `${bytes / 1_000} KB`;
	return `${bytes} B`;
}

export function chart(record: BenchRecord): string {
	const label = (id: TargetId) => record.targets.find((target) => target.id === id)?.label ?? id;
	const ratioGroups = (baseline: BaselineId): Group[] =>
		METRICS.map((metric) => ({
			label: metric.label,
			bars: STATEROOM.map((id) => {
				const value = record.ratios[baseline][id][metric.id];
				return {
					value,
					color: COLORS[id] ?? "#999",
					title: `${label(id)}, ${metric.label}: ${format(value)}x ${TITLES[baseline]}`,
				};
			}),
		}));
	const width = LABEL_WIDTH + BASELINES.length * (PANEL_WIDTH + PANEL_GAP);
	const top = 70;
	const first = ratioGroups("raw-memory");
	const ratiosHeight = groupsHeight(first);
	const parts: string[] = [];
	parts.push(labels(0, top, first));
	BASELINES.forEach((baseline, index) => {
		parts.push(panel(LABEL_WIDTH + index * (PANEL_WIDTH + PANEL_GAP), top, TITLES[baseline], ratioGroups(baseline)));
	});
	const legendY = top + ratiosHeight + 36;
	// As many entries per line as fit beside the labels; the rest wrap onto the next lines.
	const perLine = Math.max(1, Math.floor((width - LABEL_WIDTH) / LEGEND_ENTRY));
	STATEROOM.forEach((id, index) => {
		const lx = LABEL_WIDTH + (index % perLine) * LEGEND_ENTRY;
		const ly = legendY + Math.floor(index / perLine) * LEGEND_LINE;
		parts.push(
			`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${COLORS[id]}"/>`,
			`<text x="${lx + 18}" y="${ly}">${escapeXml(label(id))}</text>`,
		);
	});
	const legendLines = Math.ceil(STATEROOM.length / perLine);

	const ladderTop = legendY + (legendLines - 1) * LEGEND_LINE + 50;
	const ladderGroups = (
		steps: BenchRecord["ladders"]["typescriptBytes"],
		name: (size: number) => string,
		color: string,
	) =>
		steps.map((step) => ({
			label: name(step.size),
			bars: [
				{
					value: step.ratios.smallest,
					color,
					title: `${name(step.size)}: ${format(step.roundTripsPerSecond)} round trips/s, ${format(step.ratios.smallest)}x the smallest`,
				},
			],
		}));
	const tsGroups = ladderGroups(record.ladders.typescriptBytes, (size) => `${bytesLabel(size)} state`, "#3178c6");
	const wasmGroups = ladderGroups(
		record.ladders.wasmPages,
		(size) => `${size} page${size === 1 ? "" : "s"}`,
		"#654ff0",
	);
	parts.push(labels(0, ladderTop, tsGroups));
	parts.push(panel(LABEL_WIDTH, ladderTop, "TypeScript: round trips/s vs smallest state", tsGroups));
	const wasmX = LABEL_WIDTH + 2 * (PANEL_WIDTH + PANEL_GAP);
	parts.push(labels(wasmX - LABEL_WIDTH - PANEL_GAP + 10, ladderTop, wasmGroups));
	parts.push(panel(wasmX, ladderTop, "WebAssembly: round trips/s vs 1 page", wasmGroups));
	const height = ladderTop + Math.max(groupsHeight(tsGroups), groupsHeight(wasmGroups)) + 40;

	const title = `Stateroom vs baselines, times as good (log scale, right of 1x is better) - ${record.profile} run, ${record.startedAt.slice(0, 10)}, ${record.machine.cpus} cores`;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
		`<rect width="${width}" height="${height}" fill="#fff"/>`,
		`<text x="10" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
		...parts,
		"</svg>",
		"",
	].join("\n");
}
