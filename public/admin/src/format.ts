/** How the operator page shows numbers and times. */

export function bytes(count: number): string {
	if (count < 1024) return `${count} B`;
	if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
	return `${(count / 1024 / 1024).toFixed(2)} MiB`;
}

/** A time relative to now for tables ("12 s ago", "in 3 s"), or "-". */
export function relative(ms: number | null, now = Date.now()): string {
	if (ms === null || ms <= 0) return "-";
	const seconds = Math.round((ms - now) / 1000);
	const size = Math.abs(seconds);
	// Clocks of the browser and the Worker differ a little: a second either way is "now".
	if (size <= 1) return "just now";
	const amount =
		size < 120 ? `${size} s` : size < 7200 ? `${Math.round(size / 60)} min` : `${Math.round(size / 3600)} h`;
	return seconds >= 0 ? `in ${amount}` : `${amount} ago`;
}

export function timestamp(ms: number | null): string {
	return ms === null || ms <= 0 ? "-" : new Date(ms).toLocaleString();
}

/** A time of day in the browser's time zone, as `14:03:12`. */
export function clock(ms: number): string {
	const date = new Date(ms);
	return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, "0")).join(":");
}

/**
 * A room's cool-down (its events kept running out of fuel or time, so it refuses clients until
 * then) as `cooling down until 14:03:12`, or `undefined` when it has none or it is over. A
 * cool-down lasts at most a day, so the time of day says when.
 */
export function coolingDown(until: number | null, now = Date.now()): string | undefined {
	return until === null || until <= now ? undefined : `cooling down until ${clock(until)}`;
}
