/**
 * The contract between the meter (scripts/build/meter.mjs, which instruments a guest when it is
 * built) and the host (src/wasm/metering.ts, which runs it): the names the meter adds, its
 * costs, and the imports a host gives a metered module. Both import this one file, so they
 * cannot drift apart; a change here is a change to the meter (it rebuilds every module).
 *
 * Plain JavaScript on purpose: the build scripts import it in any Node, the Worker and the CLI
 * through its types (meter-contract.d.mts).
 */

/**
 * The custom section of a metered module, the last in it: JSON
 * `{ "meter": 2, "build": "<sha256 hex>", "initialBytes": n, "code": "<sha256 hex>", "signature": "<base64>" }`.
 * `code` is the SHA-256 of the metered module without this section; `signature` is the
 * project's Ed25519 signature of `sealMessage` of the other fields (see meter.mjs).
 */
export const METER_SECTION = "stateroom.metered";
/**
 * The custom section of build/wasm/meter-key.wasm, which holds nothing else: the raw 32-byte
 * Ed25519 public key of the project's meter, for the host to check a module's signature with.
 */
export const METER_KEY_SECTION = "stateroom.meter-key";
/** Which meter made a module: a host runs only modules of the version it reads. */
export const METER_VERSION = 2;
/** The mutable i64 global the guest burns (exported); it traps with `unreachable` once it is negative. */
export const FUEL_EXPORT = "stateroom_fuel";
/** The dirty-page memory the meter adds (see scripts/build/dirty-pages.mjs and src/wasm/dirty-pages.ts). */
export const DIRTY_PAGES_EXPORT = "stateroom_dirty_pages";

/**
 * The module a metered guest imports its budget from. Imported, not set after instantiation, so
 * the budget binds from the first instruction: the start function and `_initialize` included,
 * and a module cannot be instantiated at all without one.
 */
export const METER_IMPORT_MODULE = "stateroom_meter";
/** Immutable i64: the fuel the module starts with (its start function's budget). */
export const FUEL_IMPORT = "fuel";
/** Immutable i64: the bytes of memory and tables the module may have, together. */
export const MEMORY_LIMIT_IMPORT = "memory_limit_bytes";

/** 64 KiB, the WebAssembly page. */
export const PAGE_BYTES = 65_536;
/**
 * What one table element counts for against the memory limit. An engine keeps a pointer and a
 * dispatch entry per element (about 40 bytes in V8); 64 bounds it with room to spare.
 */
export const TABLE_ELEMENT_BYTES = 64;
/** `memory.fill`, `memory.copy` and `memory.init` cost one unit of fuel per this many bytes. */
export const BULK_BYTES_PER_FUEL = 64;

/** What every call of a host function (`stateroom_send`, `stateroom_identity`, WASI) costs in fuel. */
export const HOST_CALL_FUEL = 1000;
/** What each byte passed to or from the host in such a call costs in fuel. */
export const HOST_BYTE_FUEL = 1;

/**
 * What the meter signs of a module: its version, its build, what it declares and the hash of
 * its metered code, one per line. The host checks the signature over the same text.
 */
export function sealMessage({ meter, build, initialBytes, code }) {
	return new TextEncoder().encode(`${METER_SECTION}\n${meter}\n${build}\n${initialBytes}\n${code}`);
}

/** The default budget per event, which is also what `checkModule` looks at a module with. */
export const DEFAULT_FUEL_PER_EVENT = 200_000_000;
export const DEFAULT_MAX_MEMORY_BYTES = 16 * 1024 * 1024;

/**
 * The imports that carry a budget into a metered module: give them under `METER_IMPORT_MODULE`
 * to `WebAssembly.instantiate`.
 */
export function meterImports({ fuelPerEvent, maxMemoryBytes }) {
	return {
		[FUEL_IMPORT]: new WebAssembly.Global({ value: "i64", mutable: false }, BigInt(fuelPerEvent)),
		[MEMORY_LIMIT_IMPORT]: new WebAssembly.Global({ value: "i64", mutable: false }, BigInt(maxMemoryBytes)),
	};
}
