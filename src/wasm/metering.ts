/**
 * The host's side of metering: what scripts/build/meter.mjs adds to a module when it is built
 * or bundled (a fuel global, a memory-limit global, a section naming the build), how the host
 * reads it, and the per-service limits it enforces with it. The names here and in meter.mjs
 * are one contract; change both.
 *
 * Node-compatible on purpose (the CLI imports it with type stripping): no `cloudflare:` imports.
 */

import { floor, jsonParse, utf8Decode } from "../intrinsics.ts";
import { ModuleRefusedError } from "./abi.ts";

/** The custom section a metered module carries: JSON `{ "meter": 1, "build": "<sha256 hex>" }`. */
export const METER_SECTION = "stateroom.metered";
/** The mutable i64 global the guest burns; it traps with `unreachable` once it is negative. */
export const FUEL_EXPORT = "stateroom_fuel";
/** The mutable i32 global, in 64 KiB pages, past which `memory.grow` returns -1. */
export const MEMORY_LIMIT_EXPORT = "stateroom_memory_limit";
/** Exports the host owns: never stored with a room's state, never the guest's. */
export const RESERVED_EXPORTS: ReadonlySet<string> = new Set([FUEL_EXPORT, MEMORY_LIMIT_EXPORT]);

/** 64 KiB, the WebAssembly page. */
const PAGE_BYTES = 65_536;

/** The defaults of a WebAssembly service's containment settings. */
export const WASM_LIMIT_DEFAULTS = {
	/**
	 * Fuel per event: about one unit per WebAssembly instruction executed (a function's entry
	 * and every loop iteration charge the instructions up to the next loop). A Rust counter
	 * event uses about 21,000; an empty loop burns 200 million in well under a second.
	 */
	fuelPerEvent: 200_000_000,
	/** The most linear memory a room's module may have: 16 MiB (256 pages). */
	maxMemoryBytes: 16 * 1024 * 1024,
	/** What a room does when its stored state was written by another build of the module. */
	onModuleChange: "refuse" as ModuleChange,
} as const;

/** What a room does with state stored by another build of its module. */
export type ModuleChange = "refuse" | "reset";

/** A WebAssembly service's containment settings, as the engine takes them (see src/settings.ts). */
export interface WasmLimits {
	readonly fuelPerEvent: number;
	readonly maxMemoryBytes: number;
	readonly onModuleChange: ModuleChange;
}

/** What the meter recorded in a module. */
export interface MeterInfo {
	readonly meter: number;
	/** The SHA-256 of the module's bytes before metering, in hex: which build of it this is. */
	readonly build: string;
}

/** The meter's record of a module, or `undefined` for a module that was never metered. */
export function readMeter(module: WebAssembly.Module): MeterInfo | undefined {
	const [section] = WebAssembly.Module.customSections(module, METER_SECTION);
	if (section === undefined) return undefined;
	try {
		const info = jsonParse(utf8Decode(section)) as Partial<MeterInfo>;
		if (typeof info.meter === "number" && typeof info.build === "string")
			return { meter: info.meter, build: info.build };
	} catch {
		// Falls through to the refusal below.
	}
	return undefined;
}

/**
 * Refuses a module that was not metered: without fuel, one event could loop forever and stall
 * every room of the isolate, and `/status` with them. Returns which build the module is.
 */
export function checkMetered(module: WebAssembly.Module, name: string): MeterInfo {
	const info = readMeter(module);
	const exported = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
	if (info === undefined || !exported.has(FUEL_EXPORT) || !exported.has(MEMORY_LIMIT_EXPORT)) {
		throw new ModuleRefusedError(
			`module "${name}" is not metered; run \`npm run build:wasm\` (stateroom dev, build and deploy run it), ` +
				"which meters every module services/ imports, or serve it with `stateroom serve`",
		);
	}
	if (info.meter !== 1) {
		throw new ModuleRefusedError(`module "${name}" was metered by meter version ${info.meter}; this host reads 1`);
	}
	return info;
}

/** The memory limit in whole pages (a limit below one page still allows none to be added). */
export function memoryLimitPages(limits: WasmLimits): number {
	return floor(limits.maxMemoryBytes / PAGE_BYTES);
}
