/** Percentiles of samples (nearest rank) and the median of per-round figures. */
export function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] as number;
}

export function median(samples: readonly number[]): number {
	return percentile(samples, 50);
}

export function round(value: number, digits = 3): number {
	if (!Number.isFinite(value)) return value;
	const scale = 10 ** Math.max(0, digits - Math.ceil(Math.log10(Math.abs(value) + 1e-12)));
	return Math.round(value * scale) / scale;
}
