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
import { DIRTY_PAGES_EXPORT } from "../../src/wasm/meter-constants.ts";
import { concat, leb, sections as readSections, uleb } from "./wasm-binary.mjs";

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
	const sections = [...readSections(bytes)];
	const memories = sections.find((section) => section.id === 5);
	const exports = sections.find((section) => section.id === 7);
	if (!memories || !exports) {
		throw new Error(`${name} defines no memory of its own, or exports nothing; a Stateroom guest exports its memory`);
	}
	const imported = countImportedMemories(
		bytes,
		sections.find((section) => section.id === 2),
	);
	const [count, countEnd] = leb(bytes, memories.start);
	// Limits 0x01: a minimum and a maximum, both one page.
	const memoryBody = concat(uleb(count + 1), bytes.subarray(countEnd, memories.end), Uint8Array.of(0x01, 0x01, 0x01));
	const [exportCount, exportCountEnd] = leb(bytes, exports.start);
	const exportName = new TextEncoder().encode(DIRTY_PAGES_EXPORT);
	const exportBody = concat(
		uleb(exportCount + 1),
		bytes.subarray(exportCountEnd, exports.end),
		uleb(exportName.length),
		exportName,
		Uint8Array.of(0x02),
		uleb(imported + count),
	);
	const parts = [bytes.subarray(0, 8)];
	for (const section of sections) {
		if (section === memories) parts.push(Uint8Array.of(5), uleb(memoryBody.length), memoryBody);
		else if (section === exports) parts.push(Uint8Array.of(7), uleb(exportBody.length), exportBody);
		else parts.push(bytes.subarray(section.headerStart, section.end));
	}
	return concat(...parts);
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

/** Memories imported come first in the index space. */
function countImportedMemories(bytes, imports) {
	if (!imports) return 0;
	let [count, offset] = leb(bytes, imports.start);
	let memories = 0;
	for (; count > 0; count--) {
		for (let name = 0; name < 2; name++) {
			const [length, start] = leb(bytes, offset);
			offset = start + length;
		}
		const kind = bytes[offset++];
		if (kind === 0x00) [, offset] = leb(bytes, offset);
		else if (kind === 0x01) {
			offset += 1;
			offset = skipLimits(bytes, offset);
		} else if (kind === 0x02) {
			memories += 1;
			offset = skipLimits(bytes, offset);
		} else if (kind === 0x03) offset += 2;
		else if (kind === 0x04) offset = leb(bytes, offset + 1)[1];
		else throw new Error(`unknown import kind ${kind}`);
	}
	return memories;
}

function skipLimits(bytes, offset) {
	const flags = bytes[offset];
	let next = leb(bytes, offset + 1)[1];
	if (flags & 1) next = leb(bytes, next)[1];
	return next;
}

/** binaryen's accessors for a bulk memory instruction (memory.fill, memory.copy or memory.init), by expression id. */
export function bulkKind(binaryen, id) {
	if (id === binaryen.MemoryFillId) return binaryen.MemoryFill;
	if (id === binaryen.MemoryCopyId) return binaryen.MemoryCopy;
	return binaryen.MemoryInit;
}
