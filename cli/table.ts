/** Plain-text tables for the admin commands: left-aligned columns, a header and a rule. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
	const widths = headers.map((header, column) =>
		Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
	);
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, column) => cell.padEnd(widths[column] ?? 0))
			.join("  ")
			.trimEnd();
	return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** A time as people read it in a table: `2026-11-26 14:03:12` (UTC), or `-`. */
export function when(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || ms <= 0) return "-";
	return new Date(ms)
		.toISOString()
		.replace("T", " ")
		.replace(/\.\d+Z$/, "");
}

/**
 * A room's cool-down as the tables show it: `cooling down until 14:03:12 UTC`, or `undefined`
 * when it has none (or it is over). A cool-down lasts at most a day, so the time says when.
 */
export function coolingDown(until: number | null | undefined, now = Date.now()): string | undefined {
	if (until === null || until === undefined || until <= now) return undefined;
	return `cooling down until ${when(until).slice(-8)} UTC`;
}
