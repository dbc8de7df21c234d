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
