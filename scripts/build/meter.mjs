/**
 * Meters a WebAssembly guest, so that the host can bound what one event may do. Workers cannot
 * compile WebAssembly at run time, so this runs when a module is built or bundled: every
 * builder in scripts/build/ and the CLI's `serve`, `build` and `deploy` pass modules through it.
 *
 * What it adds (with the `binaryen` npm package; the module's own exports, imports, memory and
 * data are left as they were):
 * - Fuel: a mutable i64 global exported as `stateroom_fuel`. At the entry of every function and
 *   the head of every loop the fuel is reduced by the cost of the code that follows up to the
 *   next loop (one unit per instruction), and the guest traps with `unreachable` once it is
 *   negative. `memory.fill`, `memory.copy` and `memory.init` also pay one unit per 64 bytes
 *   when they run. The host sets the fuel before each event; a trap with negative fuel is
 *   "out of fuel".
 * - A memory limit: a mutable i32 global exported as `stateroom_memory_limit`, in 64 KiB pages.
 *   Every `memory.grow` past it returns -1 (the guest's allocator sees an ordinary failure)
 *   instead of growing.
 * - Dirty-page tracking: a second memory, exported as `stateroom_dirty_pages`, with a byte per
 *   page of the guest's memory that every write sets (see dirty-pages.mjs).
 * - Identity: a custom section `stateroom.metered` holding JSON `{"meter":1,"build":"<hex>"}`,
 *   where `build` is the SHA-256 of the module's original bytes. A room stores it with its
 *   memory, so it never lays state written by one build over another.
 *
 * The names, the section and the default fuel are the host's contract too: they live in
 * src/wasm/meter-constants.ts, which the host imports as well.
 * Metering a metered module returns it unchanged.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import {
	DEFAULT_FUEL_PER_EVENT,
	FUEL_EXPORT,
	MEMORY_LIMIT_EXPORT,
	METER_SECTION,
	METER_VERSION,
} from "../../src/wasm/meter-constants.ts";
import { addDirtyMemory, bulkKind, DIRTY_PAGES_EXPORT, DIRTY_PAGES_FILE, trackDirtyPages } from "./dirty-pages.mjs";
import { leb, sections, TruncatedModuleError, WASM_BINARY_FILE } from "./wasm-binary.mjs";

export { FUEL_EXPORT, MEMORY_LIMIT_EXPORT, METER_SECTION, METER_VERSION };

/** The contract's file, shared with the host (an input of the builders' freshness, like the meter). */
const METER_CONSTANTS_FILE = fileURLToPath(new URL("../../src/wasm/meter-constants.ts", import.meta.url));

/** This file: a change to the meter rebuilds every module (an input of the builders' freshness). */
export const METER = fileURLToPath(import.meta.url);
/** Every file of the meter: a builder's output is stale when any of them changed. */
export const METER_FILES = [METER, DIRTY_PAGES_FILE, WASM_BINARY_FILE, METER_CONSTANTS_FILE];
/**
 * The fuel a module starts with, before the host sets its own budget: it bounds the module's
 * start function, which runs while the module is instantiated. The host's default per event.
 */
export const INITIAL_FUEL = BigInt(DEFAULT_FUEL_PER_EVENT);
/** Wasm32's 4 GiB: no limit until the host sets one. */
const NO_MEMORY_LIMIT = 65_536;

const GROW_CHECK = "stateroom_meter$grow_check";
const CHARGE_BYTES = "stateroom_meter$charge_bytes";
/** Bulk memory instructions (memory.fill, copy, init) cost one unit per this many bytes. */
const BYTES_PER_UNIT = 64;

/** A module this tool cannot meter; the message says why. */
export class MeterError extends Error {
	constructor(message) {
		super(message);
		this.name = "MeterError";
	}
}

/**
 * The module's bytes with metering added (or unchanged, if they were metered already).
 * `name` names the module in errors.
 */
export async function meter(bytes, name = "module", { dirtyPages = true } = {}) {
	const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
	if (meterInfo(input) !== undefined) return input;
	const binaryen = await loadBinaryen();
	let module;
	try {
		module = binaryen.readBinary(dirtyPages ? addDirtyMemory(input, name) : input);
	} catch (error) {
		throw new MeterError(`${name} is not a WebAssembly module binaryen can read: ${messageOf(error)}`);
	}
	try {
		// The features Workers run, no more: with binaryen's "All", it would write newer encodings
		// (compact imports) that today's engines refuse.
		const F = binaryen.Features;
		module.setFeatures(
			F.MutableGlobals |
				F.NontrappingFPToInt |
				F.SIMD128 |
				F.BulkMemory |
				F.BulkMemoryOpt |
				F.MultiMemory |
				F.SignExt |
				F.ReferenceTypes |
				F.Multivalue |
				F.TailCall |
				F.ExtendedConst |
				F.CallIndirectOverlong,
		);
		instrument(binaryen, module, name, dirtyPages);
		const section = JSON.stringify({ meter: METER_VERSION, build: buildId(input) });
		module.addCustomSection(METER_SECTION, new TextEncoder().encode(section));
		if (!module.validate()) {
			throw new MeterError(
				`${name} does not validate after metering: it uses WebAssembly features beyond 1.0 with bulk memory, SIMD, ` +
					"reference types, multi-value and tail calls (binaryen printed the details above), or the meter has a bug",
			);
		}
		return module.emitBinary();
	} finally {
		module.dispose();
	}
}

/** The SHA-256 of a module's original bytes, in hex: which build of the module it is. */
export function buildId(bytes) {
	return createHash("sha256").update(bytes).digest("hex");
}

/** The meter's section of a metered module, parsed, or undefined; reads the bytes directly. */
export function meterInfo(bytes) {
	for (const [sectionName, payload] of customSections(bytes)) {
		if (sectionName !== METER_SECTION) continue;
		try {
			return JSON.parse(new TextDecoder().decode(payload));
		} catch {
			return undefined;
		}
	}
	return undefined;
}

function instrument(binaryen, module, name, dirtyPages) {
	const memory = memoryOf(binaryen, module, name);
	for (const exported of [FUEL_EXPORT, MEMORY_LIMIT_EXPORT]) {
		if (module.getExport(exported) !== 0) {
			throw new MeterError(`${name} already exports "${exported}", a name the Stateroom host reserves`);
		}
	}
	const fuel = "stateroom_meter$fuel";
	const limit = "stateroom_meter$memory_limit";
	module.addGlobal(fuel, binaryen.i64, true, module.i64.const(INITIAL_FUEL));
	module.addGlobal(limit, binaryen.i32, true, module.i32.const(NO_MEMORY_LIMIT));
	module.addGlobalExport(fuel, FUEL_EXPORT);
	module.addGlobalExport(limit, MEMORY_LIMIT_EXPORT);

	const functions = [];
	for (let index = 0; index < module.getNumFunctions(); index++) {
		const func = module.getFunctionByIndex(index);
		const info = binaryen.getFunctionInfo(func);
		if (info.module === "" || info.module === null) functions.push(func);
	}
	const charge = (cost) =>
		module.block(
			null,
			[
				module.global.set(fuel, module.i64.sub(module.global.get(fuel, binaryen.i64), module.i64.const(BigInt(cost)))),
				module.if(module.i64.lt_s(module.global.get(fuel, binaryen.i64), module.i64.const(0n)), module.unreachable()),
			],
			binaryen.none,
		);
	const prepend = (code, body) => module.block(null, [code, body], binaryen.auto);
	let grows = 0;
	let bulks = 0;
	const writes = { stores: [], bulk: [] };
	for (const func of functions) {
		const { costs, loops, memoryGrows, bulk, stores } = walk(binaryen, binaryen.Function.getBody(func), name);
		for (const [expr, id] of stores) writes.stores.push([func, expr, id]);
		for (const [expr, id] of bulk) writes.bulk.push([func, expr, id]);
		// One instruction can fill or copy megabytes: those pay by the byte, when they run.
		for (const [expr, id] of bulk) {
			const kind = bulkKind(binaryen, id);
			kind.setSize(expr, module.call(CHARGE_BYTES, [kind.getSize(expr)], binaryen.i32));
		}
		bulks += bulk.length;
		for (const grow of memoryGrows) {
			binaryen.MemoryGrow.setDelta(
				grow,
				module.call(GROW_CHECK, [binaryen.MemoryGrow.getDelta(grow)], memory.is64 ? binaryen.i64 : binaryen.i32),
			);
		}
		grows += memoryGrows.length;
		for (const loop of loops) {
			binaryen.Loop.setBody(loop, prepend(charge(Math.max(1, costs.get(loop))), binaryen.Loop.getBody(loop)));
		}
		binaryen.Function.setBody(func, prepend(charge(Math.max(1, costs.get(FUNCTION))), binaryen.Function.getBody(func)));
	}
	// After the fuel: a bulk instruction's size is charged first, then its pages marked.
	if (dirtyPages) trackDirtyPages(binaryen, module, writes, exportedMemory(binaryen, module, DIRTY_PAGES_EXPORT));
	if (grows > 0) addGrowCheck(binaryen, module, limit, memory);
	if (bulks > 0) addChargeBytes(binaryen, module, fuel, charge);
}

/** `size` of a bulk memory instruction becomes `charge_bytes(size)`: burns size / 64 units, returns size. */
function addChargeBytes(binaryen, module, fuel, charge) {
	const size = () => module.local.get(0, binaryen.i32);
	const body = module.block(
		null,
		[
			module.global.set(
				fuel,
				module.i64.sub(
					module.global.get(fuel, binaryen.i64),
					module.i64.div_u(module.i64.extend_u(size()), module.i64.const(BigInt(BYTES_PER_UNIT))),
				),
			),
			charge(0),
			size(),
		],
		binaryen.i32,
	);
	module.addFunction(CHARGE_BYTES, binaryen.i32, binaryen.i32, [], body);
}

/** `memory.grow(delta)` becomes `memory.grow(check(delta))`: -1 (which never grows) past the limit. */
function addGrowCheck(binaryen, module, limit, { is64, internal }) {
	if (is64) throw new MeterError("64-bit memories are not supported by the Stateroom ABI");
	const delta = () => module.local.get(0, binaryen.i32);
	const pages = module.i64.add(module.i64.extend_u(module.memory.size(internal)), module.i64.extend_u(delta()));
	const body = module.select(
		module.i64.gt_u(pages, module.i64.extend_u(module.global.get(limit, binaryen.i32))),
		module.i32.const(-1),
		delta(),
	);
	module.addFunction(GROW_CHECK, binaryen.i32, binaryen.i32, [], body);
}

/** The segment that starts at a function's entry, as a key of `costs`. */
const FUNCTION = Symbol("function entry");

/**
 * Walks a function body (iteratively: bodies can nest deeply) and sums the cost of each
 * segment: the function's code outside loops, and each loop's body outside nested loops.
 */
function walk(binaryen, body, name) {
	const children = childFields(binaryen);
	const costs = new Map([[FUNCTION, 0]]);
	const loops = [];
	const memoryGrows = [];
	const bulk = [];
	const stores = [];
	const stack = [[body, FUNCTION]];
	while (stack.length > 0) {
		const [expr, segment] = stack.pop();
		const id = binaryen.getExpressionId(expr);
		const fields = children.get(id);
		if (fields === undefined) {
			throw new MeterError(
				`${name} uses an instruction the meter does not know (binaryen expression id ${id}); ` +
					"the Stateroom host runs WebAssembly 1.0 with bulk memory, SIMD and reference types",
			);
		}
		if (id !== binaryen.BlockId && id !== binaryen.NopId) costs.set(segment, costs.get(segment) + 1);
		let inner = segment;
		if (id === binaryen.LoopId) {
			loops.push(expr);
			costs.set(expr, 0);
			inner = expr;
		}
		if (id === binaryen.MemoryGrowId) memoryGrows.push(expr);
		if (id === binaryen.MemoryFillId || id === binaryen.MemoryCopyId || id === binaryen.MemoryInitId) {
			bulk.push([expr, id]);
		}
		if (id === binaryen.StoreId || (id === binaryen.SIMDLoadStoreLaneId && binaryen.SIMDLoadStoreLane.isStore(expr))) {
			stores.push([expr, id]);
		}
		if (fields.length === 0) continue;
		// Kinds without children may have no wrapper class, which getExpressionInfo needs.
		const info = binaryen.getExpressionInfo(expr);
		for (const field of fields) {
			const value = info[field];
			if (Array.isArray(value)) for (const child of value) stack.push([child, inner]);
			else if (value) stack.push([value, inner]);
		}
	}
	return { costs, loops, memoryGrows, bulk, stores };
}

let childFieldsCache;

/** The fields of `getExpressionInfo` that hold child expressions, for each kind the meter knows. */
function childFields(b) {
	childFieldsCache ??= new Map([
		[b.NopId, []],
		[b.UnreachableId, []],
		[b.BlockId, ["children"]],
		[b.IfId, ["condition", "ifTrue", "ifFalse"]],
		[b.LoopId, ["body"]],
		[b.BreakId, ["condition", "value"]],
		[b.SwitchId, ["condition", "value"]],
		[b.CallId, ["operands"]],
		[b.CallIndirectId, ["target", "operands"]],
		[b.LocalGetId, []],
		[b.LocalSetId, ["value"]],
		[b.GlobalGetId, []],
		[b.GlobalSetId, ["value"]],
		[b.LoadId, ["ptr"]],
		[b.StoreId, ["ptr", "value"]],
		[b.ConstId, []],
		[b.UnaryId, ["value"]],
		[b.BinaryId, ["left", "right"]],
		[b.SelectId, ["ifTrue", "ifFalse", "condition"]],
		[b.DropId, ["value"]],
		[b.ReturnId, ["value"]],
		[b.MemorySizeId, []],
		[b.MemoryGrowId, ["delta"]],
		[b.MemoryInitId, ["dest", "offset", "size"]],
		[b.DataDropId, []],
		[b.MemoryCopyId, ["dest", "source", "size"]],
		[b.MemoryFillId, ["dest", "value", "size"]],
		// SIMD: lane indices are immediates, not expressions.
		[b.SIMDExtractId, ["vec"]],
		[b.SIMDReplaceId, ["vec", "value"]],
		[b.SIMDShuffleId, ["left", "right"]],
		[b.SIMDTernaryId, ["a", "b", "c"]],
		[b.SIMDShiftId, ["vec", "shift"]],
		[b.SIMDLoadId, ["ptr"]],
		[b.SIMDLoadStoreLaneId, ["ptr", "vec"]],
		[b.RefNullId, []],
		[b.RefIsNullId, ["value"]],
		[b.RefFuncId, []],
		[b.RefEqId, ["left", "right"]],
		[b.TableGetId, ["index"]],
		[b.TableSetId, ["index", "value"]],
		[b.TableSizeId, []],
		[b.TableGrowId, ["value", "delta"]],
		[b.TupleMakeId, ["operands"]],
		[b.TupleExtractId, ["tuple"]],
	]);
	return childFieldsCache;
}

/** The guest's own memory (exported as "memory"): its name inside binaryen, and its kind. */
function memoryOf(binaryen, module, name) {
	let internal;
	let info;
	try {
		internal = exportedMemory(binaryen, module, "memory");
		info = module.getMemoryInfo(internal);
	} catch {
		throw new MeterError(`${name} has no memory; a Stateroom guest exports one as "memory"`);
	}
	if (info.shared) throw new MeterError(`${name} has a shared memory; the Stateroom host runs one thread per room`);
	return { is64: Boolean(info.is64), internal };
}

/** The internal name of the memory exported as `exportName` (the module has two). */
function exportedMemory(binaryen, module, exportName) {
	const exported = module.getExport(exportName);
	if (exported === 0) throw new MeterError(`no memory is exported as "${exportName}"`);
	return binaryen.getExportInfo(exported).value;
}

/**
 * The custom sections of a module, read from its bytes without compiling it: `[name, payload]`
 * for each one before the end of the bytes, or before they stop making sense.
 */
function* customSections(bytes) {
	if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return;
	try {
		for (const { id, start, end } of sections(bytes)) {
			if (id !== 0) continue;
			const [nameLength, nameStart] = leb(bytes, start);
			const name = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + nameLength));
			yield [name, bytes.subarray(nameStart + nameLength, end)];
		}
	} catch (error) {
		if (!(error instanceof TruncatedModuleError)) throw error;
	}
}

async function loadBinaryen() {
	try {
		return (await import("binaryen")).default;
	} catch (error) {
		throw new MeterError(
			`cannot load the npm package "binaryen" (${messageOf(error)}); run \`npm ci\` to install the dev dependencies.`,
		);
	}
}

function messageOf(error) {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Meters the module at `from` into `to`, written aside and renamed so that a running
 * `wrangler dev` never loads half a module (or an unmetered one). `from` may be `to`.
 */
export async function meterFile(from, to, name = basename(to)) {
	const metered = await meter(readFileSync(from), name);
	const part = `${to}.${process.pid}.metered.part`;
	writeFileSync(part, metered);
	renameSync(part, to);
}
