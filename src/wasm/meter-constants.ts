/**
 * What a metered module and the host agree on, written once: the build's meter
 * (scripts/build/meter.mjs and dirty-pages.mjs, which import this file through Node's type
 * stripping) puts these names and numbers into a module, and the host (metering.ts,
 * dirty-pages.ts) reads them back.
 *
 * No imports and only erasable TypeScript, so that Node runs it as it is.
 */

/** The custom section a metered module carries: JSON `{ "meter": METER_VERSION, "build": "<sha256 hex>" }`. */
export const METER_SECTION = "stateroom.metered";
/** The version of the meter's output that this host reads. */
export const METER_VERSION = 1;
/** The mutable i64 global the guest burns; it traps with `unreachable` once it is negative. */
export const FUEL_EXPORT = "stateroom_fuel";
/** The mutable i32 global, in 64 KiB pages, past which `memory.grow` returns -1. */
export const MEMORY_LIMIT_EXPORT = "stateroom_memory_limit";
/** The second memory with a byte per page of the guest's memory that every write sets. */
export const DIRTY_PAGES_EXPORT = "stateroom_dirty_pages";
/**
 * Fuel per event by default: about one unit per WebAssembly instruction executed. A module
 * also starts with this much, which bounds its start function before the host sets its own.
 */
export const DEFAULT_FUEL_PER_EVENT = 200_000_000;
