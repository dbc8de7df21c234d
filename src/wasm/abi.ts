/**
 * Checks that a WebAssembly module follows the Stateroom ABI v1 (protocol 0) before any room
 * runs it: the required exports, their kinds and signatures, the imports the host can give,
 * and the version and protocol the module reports. Every refusal names exactly what is wrong.
 *
 * Node-compatible on purpose (`stateroom serve x.wasm` imports it with type stripping): no
 * `cloudflare:` imports, no enums, no parameter properties, `.ts` import extensions.
 */
import { errorMessage } from "../errors.ts";
import { arrayIncludes, utf8Decode } from "../intrinsics.ts";
import {
	DEFAULT_FUEL_PER_EVENT,
	DEFAULT_MAX_MEMORY_BYTES,
	FUEL_IMPORT,
	MEMORY_LIMIT_IMPORT,
	METER_IMPORT_MODULE,
	meterImports,
} from "./meter-contract.mjs";
import { type SIGNATURE_PROBE_IMPORTS, signatureProbeBytes } from "./signature-probe.ts";

export const ABI_VERSION = 1;
export const ABI_PROTOCOL = 0;

export const WASI_MODULE = "wasi_snapshot_preview1";
export const ENV_MODULE = "env";
/** The one host function a guest imports besides WASI. */
export const SEND_IMPORT = "stateroom_send";
/**
 * An optional extension of v1: `(client: i32, ptr: i32, len: i32) -> i32` writes the client's
 * identity as JSON into the guest's memory (see src/wasm/identity.ts). Guests that do not
 * import it are plain v1 guests.
 */
export const IDENTITY_IMPORT = "stateroom_identity";

/** Which slot of the signature probe checks a given signature; see signature-probe.ts. */
type ProbeSlot = (typeof SIGNATURE_PROBE_IMPORTS)[number];

interface ExportSpec {
	readonly name: string;
	readonly kind: WebAssembly.ImportExportKind;
	/** How a refusal describes the export. */
	readonly described: string;
	/** Its type in short, for "wrong signature" refusals, which must fit a WebSocket close reason. */
	readonly type?: string;
	readonly probe?: ProbeSlot;
}

export const REQUIRED_EXPORTS: readonly ExportSpec[] = [
	{ name: "memory", kind: "memory", described: "a memory" },
	{
		name: "stateroom_malloc",
		kind: "function",
		described: "a function (i32) -> i32",
		type: "(i32) -> i32",
		probe: "i32_to_i32",
	},
	{
		name: "stateroom_free",
		kind: "function",
		described: "a function (i32, i32) -> ()",
		type: "(i32, i32) -> ()",
		probe: "i32_i32_to_void",
	},
	{
		name: "stateroom_recv",
		kind: "function",
		described: "a function (i32, i32) -> ()",
		type: "(i32, i32) -> ()",
		probe: "i32_i32_to_void",
	},
	{
		name: "STATEROOM_API_VERSION",
		kind: "global",
		described: "an immutable i32 global holding the address of a u32 that is 1",
		type: "an immutable i32 global",
		probe: "global_i32",
	},
	{
		name: "STATEROOM_API_PROTOCOL",
		kind: "global",
		described: "an immutable i32 global holding the address of a u32 that is 0",
		type: "an immutable i32 global",
		probe: "global_i32",
	},
];

const INITIALIZE: ExportSpec = {
	name: "_initialize",
	kind: "function",
	described: "a function () -> ()",
	type: "() -> ()",
	probe: "void_to_void",
};

/** A module the host refuses to run; the message says what is wrong and how to fix it. */
export class ModuleRefusedError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ModuleRefusedError";
	}
}

/**
 * Checks a module against the ABI, instantiating it once with stub imports to check
 * signatures and read its version globals. Throws a `ModuleRefusedError` naming what is wrong.
 *
 * `probe` is the compiled signature probe (build/wasm/signature-probe.wasm). Where the
 * runtime can compile bytes (Node) it may be omitted; workerd cannot, so the engine passes it.
 *
 * A metered module runs its start function and `_initialize` here within `budget` (the
 * service's fuel and memory limits; the defaults if left out).
 *
 * @example
 * await checkModule(await WebAssembly.compile(bytes), "counter.wasm");
 */
export async function checkModule(
	module: WebAssembly.Module,
	name: string,
	probe?: WebAssembly.Module,
	budget: Budget = DEFAULT_BUDGET,
): Promise<void> {
	checkBuilt(module, name);
	checkExportKinds(module, name);
	checkImports(module, name);
	const instance = await instantiateWithStubs(module, name, budget);
	checkSignatures(instance, name, probe ?? (await compileProbe()));
	callInitialize(instance, name);
	checkVersion(instance, name);
}

/** What a metered module may use before its first event: see meter-contract.mjs. */
export interface Budget {
	readonly fuelPerEvent: number;
	readonly maxMemoryBytes: number;
}

const DEFAULT_BUDGET: Budget = { fuelPerEvent: DEFAULT_FUEL_PER_EVENT, maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES };

/**
 * The custom section of a placeholder that `npm run build:wasm` writes in place of a guest it
 * could not build (its toolchain is missing): the payload says what to install.
 */
export const UNBUILT_SECTION = "stateroom.unbuilt";

/** Refuses a placeholder module, passing on the build's explanation. */
export function checkBuilt(module: WebAssembly.Module, name: string): void {
	const [section] = WebAssembly.Module.customSections(module, UNBUILT_SECTION);
	if (section === undefined) return;
	throw new ModuleRefusedError(`service "${name}" was not built: ${utf8Decode(section)}`);
}

/** Required exports are present, with the right kinds. */
export function checkExportKinds(module: WebAssembly.Module, name: string): void {
	const kinds = new Map(WebAssembly.Module.exports(module).map((entry) => [entry.name, entry.kind]));
	for (const spec of [...REQUIRED_EXPORTS, INITIALIZE]) {
		const kind = kinds.get(spec.name);
		if (kind === undefined) {
			if (spec === INITIALIZE) continue;
			throw new ModuleRefusedError(`module "${name}" does not export "${spec.name}" (${spec.described})`);
		}
		if (kind !== spec.kind) {
			throw new ModuleRefusedError(
				`module "${name}" exports "${spec.name}" as a ${kind}, but it must be ${spec.described}`,
			);
		}
	}
}

/**
 * Every import is a function the host provides (`env.stateroom_send` or a WASI function), or
 * one of the meter's budget globals.
 */
export function checkImports(module: WebAssembly.Module, name: string): void {
	for (const entry of WebAssembly.Module.imports(module)) {
		const what = `"${entry.module}"."${entry.name}"`;
		if (entry.module === METER_IMPORT_MODULE && entry.kind === "global" && isBudgetImport(entry.name)) continue;
		if (entry.kind !== "function") {
			throw new ModuleRefusedError(
				`module "${name}" imports the ${entry.kind} ${what}; the host provides only functions (env.stateroom_send and WASI). ` +
					"Export the module's own memory instead of importing one.",
			);
		}
		if (entry.module === WASI_MODULE) continue;
		if (entry.module === ENV_MODULE && arrayIncludes([SEND_IMPORT, IDENTITY_IMPORT, "abort"], entry.name)) continue;
		throw new ModuleRefusedError(
			`module "${name}" imports the function ${what}, which the host does not provide; ` +
				`it provides "env"."stateroom_send", "env"."stateroom_identity" and "${WASI_MODULE}" functions only.`,
		);
	}
}

/**
 * Checks each function and global export against its ABI type by linking it into the probe,
 * a tiny module that imports one of each expected type: the engine refuses a link whose types
 * differ, which is the only way to see a wasm signature from JavaScript without type reflection.
 */
export function checkSignatures(instance: WebAssembly.Instance, name: string, probe: WebAssembly.Module): void {
	const specs = [...REQUIRED_EXPORTS, INITIALIZE].filter((spec) => spec.probe !== undefined);
	for (const spec of specs) {
		const value = instance.exports[spec.name];
		if (value === undefined || spec.probe === undefined) continue;
		try {
			new WebAssembly.Instance(probe, { probe: probeImports(spec.probe, value) });
		} catch (error) {
			// LinkError is missing from workers-types; its name is the stable part.
			if (!(error instanceof Error && error.name === "LinkError")) throw error;
			throw new ModuleRefusedError(
				spec.kind === "global"
					? `module "${name}": "${spec.name}" has the wrong type (must be ${spec.type})`
					: `module "${name}": "${spec.name}" has the wrong signature (must be ${spec.type})`,
			);
		}
	}
}

/** Compiles the probe from bytes: Node can, workerd cannot (hence the `probe` parameter). */
function compileProbe(): Promise<WebAssembly.Module> {
	// workers-types leaves out WebAssembly.compile because workerd refuses it; Node has it.
	const { compile } = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
	return compile(signatureProbeBytes());
}

function probeImports(slot: ProbeSlot, value: WebAssembly.ExportValue): WebAssembly.ModuleImports {
	// A plain JS function fits any function import, so only the slot under test constrains types.
	const imports: Record<ProbeSlot, WebAssembly.ImportValue> = {
		i32_to_i32: () => 0,
		i32_i32_to_void: () => {},
		void_to_void: () => {},
		global_i32: new WebAssembly.Global({ value: "i32", mutable: false }, 0),
	};
	imports[slot] = value;
	return imports;
}

/** Reads the version and protocol through their addresses, and refuses anything but 1 and 0. */
export function checkVersion(instance: WebAssembly.Instance, name: string): void {
	const memory = instance.exports.memory as WebAssembly.Memory;
	const version = readAddressedU32(instance, memory, "STATEROOM_API_VERSION", name);
	if (version !== ABI_VERSION) {
		throw new ModuleRefusedError(
			`module "${name}" reports ABI version ${version}; this host runs version ${ABI_VERSION} ` +
				`(the version is the u32 at the address in STATEROOM_API_VERSION). Build it with stateroom-wasm 0.4 or a Stateroom SDK for ABI v${ABI_VERSION}.`,
		);
	}
	const protocol = readAddressedU32(instance, memory, "STATEROOM_API_PROTOCOL", name);
	if (protocol !== ABI_PROTOCOL) {
		throw new ModuleRefusedError(
			`module "${name}" reports ABI protocol ${protocol}; this host speaks protocol ${ABI_PROTOCOL} (bincode) ` +
				"(the protocol is the u32 at the address in STATEROOM_API_PROTOCOL).",
		);
	}
}

function readAddressedU32(
	instance: WebAssembly.Instance,
	memory: WebAssembly.Memory,
	global: string,
	name: string,
): number {
	const address = Number((instance.exports[global] as WebAssembly.Global).value) >>> 0;
	const size = memory.buffer.byteLength;
	if (address + 4 > size) {
		throw new ModuleRefusedError(
			`module "${name}": ${global} holds address ${address}, outside its memory (${size} bytes); ` +
				"the global must hold the address of a u32 (a `#[no_mangle] static`), not the value itself.",
		);
	}
	return new DataView(memory.buffer).getUint32(address, true);
}

/** Calls the WASI reactor initialiser, if the module has one; hosts must call it first. */
export function callInitialize(instance: WebAssembly.Instance, name: string): void {
	const initialize = instance.exports._initialize;
	if (typeof initialize !== "function") return;
	try {
		initialize();
	} catch (error) {
		throw new ModuleRefusedError(`module "${name}": _initialize failed: ${errorMessage(error)}`);
	}
}

function isBudgetImport(name: string): boolean {
	return name === FUEL_IMPORT || name === MEMORY_LIMIT_IMPORT;
}

/** Instantiates with functions that do nothing, to look at a module without running a room. */
async function instantiateWithStubs(
	module: WebAssembly.Module,
	name: string,
	budget: Budget,
): Promise<WebAssembly.Instance> {
	const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
	for (const entry of WebAssembly.Module.imports(module)) {
		imports[entry.module] ??= {};
		// 52 is WASI's ENOSYS; for functions without results the value is ignored.
		if (entry.kind === "function")
			(imports[entry.module] as Record<string, WebAssembly.ImportValue>)[entry.name] = () => 52;
	}
	if (imports[METER_IMPORT_MODULE]) imports[METER_IMPORT_MODULE] = meterImports(budget);
	try {
		return await WebAssembly.instantiate(module, imports);
	} catch (error) {
		throw new ModuleRefusedError(`module "${name}" failed to instantiate: ${errorMessage(error)}`);
	}
}
