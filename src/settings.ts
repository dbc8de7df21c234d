/**
 * Per-service settings, declared next to the service in `defineServices`, and the defaults
 * that fill in whatever a deployment leaves out. Every room of a service runs with the same
 * resolved settings; one service's settings never apply to another.
 */

import { type ModuleChange, WASM_LIMIT_DEFAULTS } from "./wasm/metering.ts";

/** Bounds on what one room of the service, and each of its clients, may use. */
export interface ServiceLimits {
	/** WebAssembly: fuel per event, about one unit per instruction run; default 200,000,000. */
	readonly fuelPerEvent: number;
	/** WebAssembly: the most linear memory a room's module may have, in bytes; default 16 MiB. */
	readonly maxMemoryBytes: number;
	/**
	 * TypeScript: the most a room's stored state may take, in bytes (see the README's
	 * "Containment"); an event after which it would be larger fails. Default 4 MiB.
	 */
	readonly maxStateBytes: number;
	/**
	 * TypeScript: how long an event's handler may take to settle, in milliseconds; an event
	 * still pending then fails, and the room moves on. Default 5000.
	 */
	readonly eventDeadlineMs: number;
}

/** What a deployment may say about a service; every field is optional. */
export interface ServiceSettings {
	readonly limits?: Partial<ServiceLimits>;
	/** WebAssembly: a room whose state another build of the module stored; default "refuse". */
	readonly onModuleChange?: ModuleChange;
}

/** Settings with every default filled in: what rooms actually run with. */
export interface ResolvedSettings {
	readonly limits: Readonly<ServiceLimits>;
	readonly onModuleChange: ModuleChange;
}

export const DEFAULT_LIMITS: Readonly<ServiceLimits> = {
	fuelPerEvent: WASM_LIMIT_DEFAULTS.fuelPerEvent,
	maxMemoryBytes: WASM_LIMIT_DEFAULTS.maxMemoryBytes,
	maxStateBytes: 4 * 1024 * 1024,
	eventDeadlineMs: 5000,
};

/** Fills in the defaults; throws with the service's name when a setting is out of range. */
export function resolveSettings(service: string, settings: ServiceSettings = {}): ResolvedSettings {
	const limits = { ...DEFAULT_LIMITS, ...settings.limits };
	const onModuleChange = settings.onModuleChange ?? WASM_LIMIT_DEFAULTS.onModuleChange;
	checkInteger(service, "limits.fuelPerEvent", limits.fuelPerEvent, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.maxMemoryBytes", limits.maxMemoryBytes, 65_536, 4 * 1024 ** 3);
	checkInteger(service, "limits.maxStateBytes", limits.maxStateBytes, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.eventDeadlineMs", limits.eventDeadlineMs, 1, 2 ** 31 - 1);
	if (onModuleChange !== "refuse" && onModuleChange !== "reset") {
		throw new Error(
			`Service "${service}": onModuleChange is ${JSON.stringify(onModuleChange)}; use "refuse" or "reset".`,
		);
	}
	return { limits, onModuleChange };
}

function checkInteger(service: string, setting: string, value: unknown, min: number, max: number): void {
	if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return;
	throw new Error(`Service "${service}": ${setting} is ${String(value)}; use a whole number from ${min} to ${max}.`);
}
