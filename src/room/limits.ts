/**
 * What a room enforces on each of its service's events, taken from the service's settings.
 * The TypeScript limits (deadline, state quota) stay off for WebAssembly services, whose events
 * cannot await and whose state is bounded by their memory limit instead.
 */
import type { CatalogEntry } from "../registry.ts";

export interface EventLimits {
	/** How long a handler may take to settle; `undefined`: no deadline. */
	readonly deadlineMs: number | undefined;
	/** The most the stored state may take; `undefined`: no quota. */
	readonly maxStateBytes: number | undefined;
}

export function eventLimits(entry: CatalogEntry): EventLimits {
	if (entry.factory.language !== "typescript") return { deadlineMs: undefined, maxStateBytes: undefined };
	return { deadlineMs: entry.settings.limits.eventDeadlineMs, maxStateBytes: entry.settings.limits.maxStateBytes };
}
