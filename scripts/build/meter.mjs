/**
 * Meters a WebAssembly guest, so that the host can bound what one event may do. Workers cannot
 * compile WebAssembly at run time, so this runs when a module is built or bundled: every
 * builder in scripts/build/ and the CLI's `serve`, `build` and `deploy` pass modules through it.
 *
 * What it adds (with the `binaryen` npm package; the module's own exports, memory and data are
 * left as they were):
 * - A budget, imported: two immutable i64 globals from "stateroom_meter", the fuel the module
 *   starts with and the bytes of memory and tables it may have. Being imports, they bind from
 *   the first instruction (the start function included), and nothing can instantiate the
 *   module without giving them.
 * - Fuel: a mutable i64 global exported as `stateroom_fuel`, starting at the imported fuel. At
 *   the entry of every function and the head of every loop the fuel is reduced by the cost of
 *   the code that follows up to the next loop (one unit per instruction), and the guest traps
 *   with `unreachable` once it is negative. `memory.fill`, `memory.copy` and `memory.init` also
 *   pay one unit per 64 bytes when they run. The host sets the fuel before each event (and
 *   charges its own calls against it); a trap with negative fuel is "out of fuel".
 * - A memory limit: every `memory.grow` (of any memory) and `table.grow` returns -1 (an
 *   ordinary failure for the guest's allocator) instead of growing when the module's memories
 *   and tables together would pass the imported limit; a table element counts for
 *   TABLE_ELEMENT_BYTES. What the module declares up front is recorded (`initialBytes`), for
 *   the host to refuse before instantiating a module that starts over its limit.
 * - Dirty-page tracking: a second memory, exported as `stateroom_dirty_pages`, with a byte per
 *   page of the guest's memory that every write sets (see dirty-pages.mjs). It is the host's,
 *   one page long, and not counted against the limit.
 * - Identity and seal: a custom section `stateroom.metered`, the module's last, holding JSON
 *   `{"meter":2,"build":"<hex>","initialBytes":n,"code":"<hex>","signature":"<base64>"}`:
 *   `build` is the SHA-256 of the module's original bytes (a room stores it with its memory,
 *   so it never lays state written by one build over another), `code` the SHA-256 of the
 *   metered module without this section, and `signature` the project's Ed25519 signature of
 *   the other fields (meter-key.mjs). Anyone can write such a section; only this project's
 *   meter can sign it. The host checks the signature; the meter checks it and `code` too.
 *
 * It refuses what the host could not bound or store: imported memories, tables and globals,
 * shared or 64-bit memories, and more than one memory (the host stores only the one exported
 * as "memory" with a room's state). The names, costs and imports are the host's contract too:
 * both sides import them from src/wasm/meter-contract.mjs. Metering a module this project's
 * meter made returns it unchanged; a module whose section it did not write is refused.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import {
	BULK_BYTES_PER_FUEL,
	DEFAULT_FUEL_PER_EVENT,
	FUEL_EXPORT,
	FUEL_IMPORT,
	MEMORY_LIMIT_IMPORT,
	METER_IMPORT_MODULE,
	METER_SECTION,
	METER_VERSION,
	PAGE_BYTES,
	sealMessage,
	TABLE_ELEMENT_BYTES,
} from "../../src/wasm/meter-contract.mjs";
import { addDirtyMemory, bulkKind, DIRTY_PAGES_EXPORT, DIRTY_PAGES_FILE, trackDirtyPages } from "./dirty-pages.mjs";
import { KEY_ENV, KEY_FILE, METER_KEY_FILE, PUBLIC_KEY_MODULE, signMessage, verifyMessage } from "./meter-key.mjs";
import {
	concat,
	definedMemoryCount,
	exportNames,
	importsOf,
	leb,
	rewriteMemoriesAndExports,
	sections,
	TruncatedModuleError,
	uleb,
	WASM_BINARY_FILE,
} from "./wasm-binary.mjs";

/** This file: a change to the meter rebuilds every module (an input of the builders' freshness). */
export const METER = fileURLToPath(import.meta.url);
const CONTRACT_FILE = fileURLToPath(new URL("../../src/wasm/meter-contract.mjs", import.meta.url));
/** Every file of the meter, and its public key: a builder's output is stale when any of them changed. */
export const METER_FILES = [
	METER,
	DIRTY_PAGES_FILE,
	WASM_BINARY_FILE,
	CONTRACT_FILE,
	METER_KEY_FILE,
	PUBLIC_KEY_MODULE,
];
export { FUEL_EXPORT, METER_IMPORT_MODULE, METER_SECTION, METER_VERSION };
/** The fuel the host gives a module's start function by default (its default per event). */
export const INITIAL_FUEL = BigInt(DEFAULT_FUEL_PER_EVENT);

const GROW_CHECK = "stateroom_meter$grow_check";
const CHARGE_BYTES = "stateroom_meter$charge_bytes";
const FUEL = "stateroom_meter$fuel";
const FUEL_BUDGET = "stateroom_meter$fuel_budget";
const MEMORY_LIMIT = "stateroom_meter$memory_limit";
/** Exports the meter adds for a moment, to learn binaryen's names of the guest's memories. */
const MEMORY_NAME_EXPORT = "stateroom_meter$memory$";
/** Export names the host owns. */
const RESERVED_EXPORTS = [FUEL_EXPORT, DIRTY_PAGES_EXPORT];

/** A module this tool cannot meter; the message says why. */
export class MeterError extends Error {
	constructor(message) {
		super(message);
		this.name = "MeterError";
	}
}

/**
 * The module's bytes with metering added (or unchanged, if this project's meter made them).
 * `name` names the module in errors.
 */
export async function meter(bytes, name = "module", { dirtyPages = true } = {}) {
	const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
	if (hasMeterSection(input)) {
		checkSealed(input, name);
		return input;
	}
	const memories = checkBoundable(input, name);
	const binaryen = await loadBinaryen();
	let module;
	try {
		module = binaryen.readBinary(prepare(input, memories, name, dirtyPages));
	} catch (error) {
		if (error instanceof MeterError) throw error;
		throw new MeterError(`${name} is not a WebAssembly module binaryen can read: ${messageOf(error)}`);
	}
	try {
		// The features Workers run, no more: with binaryen's "All", it would write newer encodings
		// (compact imports) that today's engines refuse. No Memory64, no threads: those modules fail
		// validation below.
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
		const space = guestSpace(binaryen, module, memories, name);
		instrument(binaryen, module, name, dirtyPages, space);
		if (!module.validate()) {
			throw new MeterError(
				`${name} does not validate after metering: it uses WebAssembly features beyond 1.0 with bulk memory, SIMD, ` +
					"reference types, multi-value, multi-memory and tail calls (binaryen printed the details above), or the meter has a bug",
			);
		}
		return seal(module.emitBinary(), { build: buildId(input), initialBytes: space.initialBytes });
	} finally {
		module.dispose();
	}
}

/** `code` with the meter's section appended, signed with the project's key. */
function seal(code, { build, initialBytes }) {
	const fields = { meter: METER_VERSION, build, initialBytes, code: buildId(code) };
	const section = JSON.stringify({ ...fields, signature: signMessage(sealMessage(fields)) });
	const name = new TextEncoder().encode(METER_SECTION);
	const body = concat(uleb(name.length), name, new TextEncoder().encode(section));
	return concat(code, Uint8Array.of(0), uleb(body.length), body);
}

/**
 * Refuses a module whose meter section this project's meter did not write: one metered by an
 * older meter, by another project (another key), made by hand, or changed after metering.
 * Such a section says nothing about the code beside it, which may run without fuel or memory
 * limits. Returns what the section records.
 */
export function checkSealed(bytes, name = "module") {
	const found = meterSection(bytes);
	const info = found?.info;
	if (info?.meter !== undefined && info.meter !== METER_VERSION) {
		throw new MeterError(
			`${name} was metered by meter version ${info.meter}, which this build replaces (version ${METER_VERSION}); ` +
				"meter the module as its compiler wrote it (rebuild it from source), not a metered copy",
		);
	}
	const code = found && concat(bytes.subarray(0, found.headerStart), bytes.subarray(found.end));
	const sealed =
		info !== undefined &&
		typeof info.build === "string" &&
		Number.isSafeInteger(info.initialBytes) &&
		info.code === buildId(code) &&
		verifyMessage(sealMessage(info), info.signature);
	if (!sealed) {
		throw new MeterError(
			`${name} carries a "${METER_SECTION}" section that this project's meter did not write (it is not signed with this ` +
				`project's key, or the module changed after metering), so nothing vouches that it is metered at all. ` +
				"Meter the original, unmetered module (as its compiler wrote it) with this project's build instead. " +
				`If this project metered it on another machine, that machine's key (${KEY_FILE}, or ${KEY_ENV}) signed it: ` +
				"use the same key here, or meter the original again",
		);
	}
	return info;
}

/**
 * Refuses, from the bytes, a module whose memory the host could not bound: one that imports
 * memories, tables or globals (the host could not see how large they are, or they would be
 * shared with it), or that already imports the meter's budget. Returns how many memories it
 * defines.
 */
function checkBoundable(bytes, name) {
	let imports;
	try {
		imports = importsOf(bytes);
	} catch (error) {
		throw new MeterError(`${name} is not a WebAssembly module the meter can read: ${messageOf(error)}`);
	}
	for (const entry of imports) {
		const what = `"${entry.module}"."${entry.name}"`;
		if (entry.module === METER_IMPORT_MODULE) {
			throw new MeterError(`${name} imports ${what}; the module "${METER_IMPORT_MODULE}" is the meter's own`);
		}
		if (entry.kind !== "function") {
			throw new MeterError(
				`${name} imports the ${entry.kind} ${what}: the host cannot bound what it does not own, so a Stateroom ` +
					'guest defines its memory, tables and globals itself and exports its memory as "memory" ' +
					"(for Rust and C, do not link with --import-memory; for AssemblyScript, leave out importMemory)",
			);
		}
	}
	for (const exported of exportNames(bytes)) {
		if (RESERVED_EXPORTS.includes(exported) || exported.startsWith(MEMORY_NAME_EXPORT)) {
			throw new MeterError(`${name} already exports "${exported}", a name the Stateroom host reserves`);
		}
	}
	const memories = definedMemoryCount(bytes);
	if (memories === 0) {
		throw new MeterError(`${name} defines no memory; a Stateroom guest defines one and exports it as "memory"`);
	}
	if (memories > 1) {
		throw new MeterError(
			`${name} defines ${memories} memories; the Stateroom host stores only the one exported as "memory" with a ` +
				"room's state, so the others' contents would be lost when the room is evicted. Keep the guest's data in one " +
				"memory (Rust, C and AssemblyScript toolchains emit one; do not add memories by hand or with multi-memory tools)",
		);
	}
	return memories;
}

/**
 * The bytes binaryen reads: with the dirty-page memory (if wanted), and with every memory of
 * the guest exported for a moment under a reserved name, so that the meter learns binaryen's
 * name for each (binaryen.js cannot list memories). `guestSpace` removes those exports.
 */
function prepare(bytes, memories, name, dirtyPages) {
	const exports = Array.from({ length: memories }, (_, index) => [`${MEMORY_NAME_EXPORT}${index}`, 0x02, index]);
	let prepared;
	try {
		prepared = rewriteMemoriesAndExports(bytes, { exports });
	} catch {
		throw new MeterError(`${name} exports nothing; a Stateroom guest exports its memory as "memory"`);
	}
	return dirtyPages ? addDirtyMemory(prepared, name) : prepared;
}

/**
 * The guest's memories and tables, by binaryen name, and the bytes they take before the module
 * runs. Refuses shared and 64-bit memories (one thread per room; the ABI is 32-bit) and tables
 * the meter cannot see grow (imported ones).
 */
function guestSpace(binaryen, module, memories, name) {
	const memoryNames = [];
	let initialBytes = 0;
	for (let index = 0; index < memories; index++) {
		const exportName = `${MEMORY_NAME_EXPORT}${index}`;
		const internal = binaryen.getExportInfo(module.getExport(exportName)).value;
		module.removeExport(exportName);
		const info = module.getMemoryInfo(internal);
		if (info.shared) {
			throw new MeterError(
				`${name} has a shared memory; the Stateroom host runs one thread per room, so build it without threads (no +atomics, no shared memory)`,
			);
		}
		if (info.is64) {
			throw new MeterError(`${name} has a 64-bit memory; the Stateroom ABI is 32-bit, so build it for wasm32`);
		}
		memoryNames.push(internal);
		initialBytes += info.initial * PAGE_BYTES;
	}
	const tableNames = [];
	for (let index = 0; index < module.getNumTables(); index++) {
		const info = binaryen.getTableInfo(module.getTableByIndex(index));
		tableNames.push(info.name);
		initialBytes += info.initial * TABLE_ELEMENT_BYTES;
	}
	return { memoryNames, tableNames, initialBytes };
}

/** The SHA-256 of a module's original bytes, in hex: which build of the module it is. */
export function buildId(bytes) {
	return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The meter's section of a module, parsed, or undefined; reads the bytes directly. It says what
 * the section claims, not that this project's meter wrote it: that is `checkSealed`.
 */
export function meterInfo(bytes) {
	return meterSection(bytes)?.info;
}

/** Whether the module carries a section named like the meter's, whatever it holds. */
function hasMeterSection(bytes) {
	return meterSection(bytes) !== undefined;
}

/** The meter's section: where it is in the bytes, and its JSON parsed (undefined if it is not JSON). */
function meterSection(bytes) {
	for (const [sectionName, payload, where] of customSections(bytes)) {
		if (sectionName !== METER_SECTION) continue;
		try {
			return { ...where, info: JSON.parse(new TextDecoder().decode(payload)) };
		} catch {
			return { ...where, info: undefined };
		}
	}
	return undefined;
}

function instrument(binaryen, module, name, dirtyPages, space) {
	const { i32, i64 } = binaryen;
	module.addGlobalImport(FUEL_BUDGET, METER_IMPORT_MODULE, FUEL_IMPORT, i64, false);
	module.addGlobalImport(MEMORY_LIMIT, METER_IMPORT_MODULE, MEMORY_LIMIT_IMPORT, i64, false);
	module.addGlobal(FUEL, i64, true, module.global.get(FUEL_BUDGET, i64));
	module.addGlobalExport(FUEL, FUEL_EXPORT);

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
				module.global.set(FUEL, module.i64.sub(module.global.get(FUEL, i64), module.i64.const(BigInt(cost)))),
				module.if(module.i64.lt_s(module.global.get(FUEL, i64), module.i64.const(0n)), module.unreachable()),
			],
			binaryen.none,
		);
	const prepend = (code, body) => module.block(null, [code, body], binaryen.auto);
	const checkGrow = (delta, unit) => module.call(GROW_CHECK, [delta, module.i64.const(BigInt(unit))], i32);
	let grows = 0;
	let bulks = 0;
	const writes = { stores: [], bulk: [] };
	for (const func of functions) {
		const { costs, loops, memoryGrows, tableGrows, bulk, stores } = walk(
			binaryen,
			binaryen.Function.getBody(func),
			name,
		);
		for (const [expr, id] of stores) writes.stores.push([func, expr, id]);
		for (const [expr, id] of bulk) writes.bulk.push([func, expr, id]);
		// One instruction can fill or copy megabytes: those pay by the byte, when they run.
		for (const [expr, id] of bulk) {
			const kind = bulkKind(binaryen, id);
			kind.setSize(expr, module.call(CHARGE_BYTES, [kind.getSize(expr)], i32));
		}
		bulks += bulk.length;
		for (const grow of memoryGrows) {
			binaryen.MemoryGrow.setDelta(grow, checkGrow(binaryen.MemoryGrow.getDelta(grow), PAGE_BYTES));
		}
		for (const grow of tableGrows) {
			binaryen.TableGrow.setDelta(grow, checkGrow(binaryen.TableGrow.getDelta(grow), TABLE_ELEMENT_BYTES));
		}
		grows += memoryGrows.length + tableGrows.length;
		for (const loop of loops) {
			binaryen.Loop.setBody(loop, prepend(charge(Math.max(1, costs.get(loop))), binaryen.Loop.getBody(loop)));
		}
		binaryen.Function.setBody(func, prepend(charge(Math.max(1, costs.get(FUNCTION))), binaryen.Function.getBody(func)));
	}
	// After the fuel: a bulk instruction's size is charged first, then its pages marked.
	if (dirtyPages) trackDirtyPages(binaryen, module, writes, exportedMemory(binaryen, module, DIRTY_PAGES_EXPORT));
	if (grows > 0) addGrowCheck(binaryen, module, space);
	if (bulks > 0) addChargeBytes(binaryen, module, charge);
}

/** `size` of a bulk memory instruction becomes `charge_bytes(size)`: burns size / 64 units, returns size. */
function addChargeBytes(binaryen, module, charge) {
	const size = () => module.local.get(0, binaryen.i32);
	const body = module.block(
		null,
		[
			module.global.set(
				FUEL,
				module.i64.sub(
					module.global.get(FUEL, binaryen.i64),
					module.i64.div_u(module.i64.extend_u(size()), module.i64.const(BigInt(BULK_BYTES_PER_FUEL))),
				),
			),
			charge(0),
			size(),
		],
		binaryen.i32,
	);
	module.addFunction(CHARGE_BYTES, binaryen.i32, binaryen.i32, [], body);
}

/**
 * `memory.grow(delta)` becomes `memory.grow(check(delta, 65536))` and `table.grow(v, delta)`
 * `table.grow(v, check(delta, TABLE_ELEMENT_BYTES))`: `check` answers -1 (which never grows)
 * when the bytes of every memory and table of the guest, plus `delta` units, would pass the
 * limit; otherwise `delta`.
 */
function addGrowCheck(binaryen, module, { memoryNames, tableNames }) {
	const { i32, i64 } = binaryen;
	const delta = () => module.local.get(0, i32);
	const unit = () => module.local.get(1, i64);
	const bytes = (count, perUnit) => module.i64.mul(module.i64.extend_u(count), module.i64.const(BigInt(perUnit)));
	let used = module.i64.const(0n);
	for (const memory of memoryNames) used = module.i64.add(used, bytes(module.memory.size(memory), PAGE_BYTES));
	for (const table of tableNames) used = module.i64.add(used, bytes(module.table.size(table), TABLE_ELEMENT_BYTES));
	const wanted = module.i64.add(used, module.i64.mul(module.i64.extend_u(delta()), unit()));
	const body = module.select(
		module.i64.gt_u(wanted, module.global.get(MEMORY_LIMIT, i64)),
		module.i32.const(-1),
		delta(),
	);
	module.addFunction(GROW_CHECK, binaryen.createType([i32, i64]), i32, [], body);
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
	const tableGrows = [];
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
		if (id === binaryen.TableGrowId) tableGrows.push(expr);
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
	return { costs, loops, memoryGrows, tableGrows, bulk, stores };
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

/** The internal name of the memory exported as `exportName` (the module has two). */
function exportedMemory(binaryen, module, exportName) {
	const exported = module.getExport(exportName);
	if (exported === 0) throw new MeterError(`no memory is exported as "${exportName}"`);
	return binaryen.getExportInfo(exported).value;
}

/**
 * The custom sections of a module, read from its bytes without compiling it: `[name, payload,
 * { headerStart, end }]` for each one before the end of the bytes, or before they stop making sense.
 */
function* customSections(bytes) {
	if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return;
	try {
		for (const { id, headerStart, start, end } of sections(bytes)) {
			if (id !== 0) continue;
			const [nameLength, nameStart] = leb(bytes, start);
			const name = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + nameLength));
			yield [name, bytes.subarray(nameStart + nameLength, end), { headerStart, end }];
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
