/**
 * Dirty-page tracking, added by the meter to every module: a second memory, exported as
 * `stateroom_dirty_pages`, where byte `p` becomes 1 whenever the guest writes to page `p` (64 KiB)
 * of its own memory. The host stores just those pages after an event and clears the bytes, so it
 * neither compares every page nor keeps a copy of memory (src/wasm/dirty-pages.ts, the other
 * half of this contract).
 *
 * - Every store (and SIMD lane store) gets its pointer through `mark(ptr, offset, bytes - 1)`,
 *   which marks the first and last page the store touches and returns the pointer.
 * - `memory.fill`, `memory.copy` and `memory.init` get their size through
 *   `mark_range(dest, size)`, which marks every page of the destination and returns the size.
 * - `memory.grow` marks nothing: a grown page is zero, as in a fresh instance.
 * A mark comes before the write it announces: a write that then traps marks a page for nothing,
 * and a trap rolls the event back anyway.
 */

import { fileURLToPath } from "node:url";
import { DIRTY_PAGES_EXPORT } from "../../src/wasm/meter-contract.mjs";
import {
	concat,
	definedMemoryCount,
	importsOf,
	leb,
	sections as readSections,
	rewriteMemoriesAndExports,
	uleb,
} from "./wasm-binary.mjs";

export const DIRTY_PAGES_FILE = fileURLToPath(import.meta.url);
export { DIRTY_PAGES_EXPORT };

const MARK = "stateroom_dirty$mark";
const MARK_RANGE = "stateroom_dirty$mark_range";

/**
 * The module's bytes with one more memory (one page, which holds a byte for each of the 65,536
 * pages of a 32-bit memory) and its export. binaryen.js cannot add a second memory to a module
 * it has read, so the memory goes into the binary before binaryen reads it.
 */
export function addDirtyMemory(bytes, name) {
	const imported = importsOf(bytes).filter((entry) => entry.kind === "memory").length;
	const count = definedMemoryCount(bytes);
	if (count === 0) {
		throw new Error(`${name} defines no memory of its own; a Stateroom guest defines and exports its memory`);
	}
	const memories = [...readSections(bytes)].find((section) => section.id === 5);
	const [, countEnd] = leb(bytes, memories.start);
	// Limits 0x01: a minimum and a maximum, both one page.
	const memoryBody = concat(uleb(count + 1), bytes.subarray(countEnd, memories.end), Uint8Array.of(0x01, 0x01, 0x01));
	try {
		return rewriteMemoriesAndExports(bytes, { memoryBody, exports: [[DIRTY_PAGES_EXPORT, 0x02, imported + count]] });
	} catch (error) {
		throw new Error(`${name}: ${error.message}; a Stateroom guest exports its memory`);
	}
}

/**
 * Marks the pages every write touches (see above). `stores` and `bulk` are the expressions the
 * meter's walk found in each function, `[func, expr, id]`; `dirty` names the dirty-page memory in
 * binaryen.
 */
export function trackDirtyPages(binaryen, module, { stores, bulk }, dirty) {
	const i32 = binaryen.i32;
	if (stores.length > 0) addMark(binaryen, module, dirty);
	if (bulk.length > 0) addMarkRange(binaryen, module, dirty);
	for (const [, expr, id] of stores) {
		if (id === binaryen.StoreId) {
			const offset = binaryen.Store.getOffset(expr);
			const last = binaryen.Store.getBytes(expr) - 1;
			const ptr = binaryen.Store.getPtr(expr);
			binaryen.Store.setPtr(expr, module.call(MARK, [ptr, module.i32.const(offset), module.i32.const(last)], i32));
		} else {
			// A SIMD lane store writes at most 16 bytes.
			const offset = binaryen.SIMDLoadStoreLane.getOffset(expr);
			const ptr = binaryen.SIMDLoadStoreLane.getPtr(expr);
			binaryen.SIMDLoadStoreLane.setPtr(
				expr,
				module.call(MARK, [ptr, module.i32.const(offset), module.i32.const(15)], i32),
			);
		}
	}
	for (const [func, expr, id] of bulk) {
		const kind = bulkKind(binaryen, id);
		// The destination is evaluated first: keep it in a fresh local for the size's mark.
		const local = binaryen._BinaryenFunctionAddVar(func, i32);
		kind.setDest(expr, module.local.tee(local, kind.getDest(expr), i32));
		kind.setSize(expr, module.call(MARK_RANGE, [module.local.get(local, i32), kind.getSize(expr)], i32));
	}
}

/** `mark(ptr, offset, last)`: marks the pages of ptr+offset and ptr+offset+last; returns ptr. */
function addMark(binaryen, module, dirty) {
	const i32 = binaryen.i32;
	const get = (index) => module.local.get(index, i32);
	const markPage = (address) =>
		module.i32.store8(0, 1, module.i32.shr_u(address, module.i32.const(16)), module.i32.const(1), dirty);
	const start = () => module.i32.add(get(0), get(1));
	const body = module.block(null, [markPage(start()), markPage(module.i32.add(start(), get(2))), get(0)], i32);
	module.addFunction(MARK, binaryen.createType([i32, i32, i32]), i32, [], body);
}

/** `mark_range(dest, size)`: marks every page of [dest, dest + size); returns size. */
function addMarkRange(binaryen, module, dirty) {
	const i32 = binaryen.i32;
	const get = (index) => module.local.get(index, i32);
	const firstPage = () => module.i32.shr_u(get(0), module.i32.const(16));
	const lastPage = () =>
		module.i32.shr_u(module.i32.sub(module.i32.add(get(0), get(1)), module.i32.const(1)), module.i32.const(16));
	const body = module.block(
		null,
		[
			module.if(
				get(1),
				module.memory.fill(
					firstPage(),
					module.i32.const(1),
					module.i32.add(module.i32.sub(lastPage(), firstPage()), module.i32.const(1)),
					dirty,
				),
			),
			get(1),
		],
		i32,
	);
	module.addFunction(MARK_RANGE, binaryen.createType([i32, i32]), i32, [], body);
}

/** binaryen's accessors for a bulk memory instruction (memory.fill, memory.copy or memory.init), by expression id. */
export function bulkKind(binaryen, id) {
	if (id === binaryen.MemoryFillId) return binaryen.MemoryFill;
	if (id === binaryen.MemoryCopyId) return binaryen.MemoryCopy;
	return binaryen.MemoryInit;
}
