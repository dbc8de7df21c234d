/**
 * What a room enforces on each of its service's events, taken from the service's settings.
 * The TypeScript limits (deadline, state quota) stay off for WebAssembly services, whose events
 * cannot await and whose state is bounded by their memory limit instead. The output bound
 * applies to both.
 */
import type { CatalogEntry } from "../registry.ts";

export interface EventLimits {
	/** How long a handler may take to settle; `undefined`: no deadline. */
	readonly deadlineMs: number | undefined;
	/** The most the stored state may take; `undefined`: no quota. */
	readonly maxStateBytes: number | undefined;
	/** The most bytes of messages one event may send. */
	readonly maxOutputBytes: number;
}

export function eventLimits(entry: CatalogEntry): EventLimits {
	const { eventDeadlineMs, maxStateBytes, maxOutputBytes } = entry.settings.limits;
	if (entry.factory.language !== "typescript")
		return { deadlineMs: undefined, maxStateBytes: undefined, maxOutputBytes };
	return { deadlineMs: eventDeadlineMs, maxStateBytes, maxOutputBytes };
}
