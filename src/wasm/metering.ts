/**
 * The host's side of metering: what scripts/build/meter.mjs adds to a module when it is built
 * or bundled (a fuel global, an imported budget, a section naming the build and what it
 * declares, signed with the project's key), how the host reads and checks it, and the
 * per-service limits it enforces with it. The names and costs both sides use are in
 * meter-contract.mjs.
 *
 * Node-compatible on purpose (the CLI imports it with type stripping): no `cloudflare:` imports.
 */

import { jsonParse, utf8Decode } from "../intrinsics.ts";
import { ModuleRefusedError } from "./abi.ts";
import {
	DEFAULT_FUEL_PER_EVENT,
	DEFAULT_MAX_MEMORY_BYTES,
	DIRTY_PAGES_EXPORT,
	FUEL_EXPORT,
	HOST_BYTE_FUEL,
	HOST_CALL_FUEL,
	METER_IMPORT_MODULE,
	METER_KEY_SECTION,
	METER_SECTION,
	METER_VERSION,
	meterImports,
	sealMessage,
	TABLE_ELEMENT_BYTES,
} from "./meter-contract.mjs";

export { FUEL_EXPORT, HOST_BYTE_FUEL, HOST_CALL_FUEL, METER_SECTION, TABLE_ELEMENT_BYTES };
/** Exports the host owns: never stored with a room's state, never the guest's. */
export const RESERVED_EXPORTS: ReadonlySet<string> = new Set([FUEL_EXPORT]);

/** The defaults of a WebAssembly service's containment settings. */
export const WASM_LIMIT_DEFAULTS = {
	/**
	 * Fuel per event: about one unit per WebAssembly instruction executed (a function's entry
	 * and every loop iteration charge the instructions up to the next loop). A Rust counter
	 * event uses about 21,000; an empty loop burns 200 million in well under a second.
	 */
	fuelPerEvent: DEFAULT_FUEL_PER_EVENT,
	/**
	 * The most memory a room's module may have: 16 MiB (256 pages), its memories and tables
	 * together (a table element counts for TABLE_ELEMENT_BYTES).
	 */
	maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES,
	/** The most bytes of messages one event may send: 4 MiB (see src/settings.ts). */
	maxOutputBytes: 4 * 1024 * 1024,
	/** What a room does when its stored state was written by another build of the module. */
	onModuleChange: "refuse" as ModuleChange,
} as const;

/** What a room does with state stored by another build of its module. */
export type ModuleChange = "refuse" | "reset";

/** A WebAssembly service's containment settings, as the engine takes them (see src/settings.ts). */
export interface WasmLimits {
	readonly fuelPerEvent: number;
	readonly maxMemoryBytes: number;
	readonly maxOutputBytes: number;
	readonly onModuleChange: ModuleChange;
}

/** What the meter recorded in a module. */
export interface MeterInfo {
	readonly meter: number;
	/** The SHA-256 of the module's bytes before metering, in hex: which build of it this is. */
	readonly build: string;
	/** The bytes its memories and tables take before it runs: what it declares. */
	readonly initialBytes: number;
	/** The SHA-256 of the metered module without the meter's section, in hex. */
	readonly code: string;
	/** The project's Ed25519 signature of the fields above, in base64 (see `checkSealed`). */
	readonly signature: string;
}

/** The meter's record of a module, or `undefined` for a module that was never metered. */
export function readMeter(module: WebAssembly.Module): MeterInfo | undefined {
	const [section] = WebAssembly.Module.customSections(module, METER_SECTION);
	if (section === undefined) return undefined;
	try {
		const info = jsonParse(utf8Decode(section)) as Partial<MeterInfo>;
		if (typeof info.meter === "number" && typeof info.build === "string")
			return {
				meter: info.meter,
				build: info.build,
				initialBytes: Number(info.initialBytes ?? Number.NaN),
				code: String(info.code ?? ""),
				signature: String(info.signature ?? ""),
			};
	} catch {
		// Falls through to the refusal below.
	}
	return undefined;
}

/**
 * Refuses a module that was not metered: without fuel, one event could loop forever and stall
 * every room of the isolate, and `/status` with them. Refuses, before it is instantiated, a
 * module whose declared memories and tables are over `limits.maxMemoryBytes` already.
 * Returns which build the module is.
 */
export function checkMetered(
	module: WebAssembly.Module,
	name: string,
	limits: Pick<WasmLimits, "maxMemoryBytes"> = WASM_LIMIT_DEFAULTS,
): MeterInfo {
	const info = readMeter(module);
	const exported = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
	if (info === undefined || !exported.has(FUEL_EXPORT)) {
		throw new ModuleRefusedError(
			`module "${name}" is not metered; run \`npm run build:wasm\` (stateroom dev, build and deploy run it), ` +
				"which meters every module services/ imports, or serve it with `stateroom serve`",
		);
	}
	if (info.meter !== METER_VERSION) {
		throw new ModuleRefusedError(
			`module "${name}" was metered by meter version ${info.meter}; this host reads ${METER_VERSION}. ` +
				"Rebuild it from source with `npm run build:wasm` (or `stateroom build`), which meters it again",
		);
	}
	const memories = WebAssembly.Module.exports(module).filter((entry) => entry.kind === "memory");
	const extra = memories.find((entry) => entry.name !== "memory" && entry.name !== DIRTY_PAGES_EXPORT);
	if (extra !== undefined) {
		throw new ModuleRefusedError(
			`module "${name}" has a memory besides "memory" ("${extra.name}"); only "memory" is stored with a room's state, ` +
				"so the other's contents would be lost on eviction. Keep the guest's data in one memory and meter it again",
		);
	}
	if (!(info.initialBytes <= limits.maxMemoryBytes)) {
		// The limit comes first: a room's close reason keeps only 123 bytes.
		throw new ModuleRefusedError(
			`module declares ${info.initialBytes} bytes of memory and tables, over limits.maxMemoryBytes (${limits.maxMemoryBytes}); ` +
				`raise the limit for "${name}", or declare smaller initial memories and tables (a table element counts ${TABLE_ELEMENT_BYTES} bytes)`,
		);
	}
	return info;
}

/**
 * Refuses a module whose meter section is not signed with the project's key, whose public key
 * `keyModule` carries (build/wasm/meter-key.wasm, written by the meter): anyone can write a
 * section that says "metered", and a module that only says so would run without fuel or
 * memory limits, its declared size taken on trust. The signature covers what the section
 * records, the hash of the metered code included; the host cannot hash a compiled module, so
 * the meter is what compares that hash with the code (see docs/wasm.md).
 */
export async function checkSealed(name: string, info: MeterInfo, keyModule: WebAssembly.Module): Promise<void> {
	const [raw] = WebAssembly.Module.customSections(keyModule, METER_KEY_SECTION);
	if (raw === undefined) {
		throw new ModuleRefusedError(
			`the meter's public key is missing, so module "${name}" cannot be checked; run \`npm run build:wasm\`, which writes build/wasm/meter-key.wasm`,
		);
	}
	if (!(await signedBy(raw, info))) {
		throw new ModuleRefusedError(
			`module "${name}" is not signed by this project's meter: its meter section was written elsewhere (another ` +
				"project, another key, or by hand), so nothing vouches that it is metered. Meter the original, unmetered module with `npm run build:wasm` " +
				"or `stateroom serve` in this project",
		);
	}
}

async function signedBy(raw: ArrayBuffer, info: MeterInfo): Promise<boolean> {
	let signature: Uint8Array<ArrayBuffer>;
	try {
		signature = Uint8Array.from(atob(info.signature), (char) => char.charCodeAt(0));
	} catch {
		return false;
	}
	const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
	return crypto.subtle.verify({ name: "Ed25519" }, key, signature, sealMessage(info));
}

/** The imports that give a metered module its budget: the fuel its start function may burn, and its memory limit. */
export function budgetImports(limits: Pick<WasmLimits, "fuelPerEvent" | "maxMemoryBytes">): WebAssembly.Imports {
	return { [METER_IMPORT_MODULE]: meterImports(limits) };
}
