/**
 * Dirty-page tracking: which 64 KiB pages of a guest's memory were written since the host last
 * looked, so that a checkpoint stores those pages without comparing every page with a copy
 * (and without keeping that copy).
 *
 * The contract with the build (the instrumentation that meters guests adds it): the module
 * exports a second memory named `stateroom_dirty_pages`, at least one page long, in which byte
 * `p` is set to a non-zero value by every instruction that writes to page `p` of `memory`
 * (stores, `memory.fill`, `memory.copy` and `memory.init`, over every page of their range).
 * Pages added by `memory.grow` start zeroed, as in a fresh instance, so growing marks nothing.
 * The host clears the bytes after each checkpoint, and marks the pages it writes itself (the
 * event it copies into the guest's memory). A module without the export is compared page by
 * page, as before.
 */
import { floor } from "../intrinsics.ts";

import { DIRTY_PAGES_EXPORT } from "./meter-contract.mjs";

export { DIRTY_PAGES_EXPORT };

export class DirtyPages {
	private constructor(private readonly marks: WebAssembly.Memory) {}

	/** The guest's marks, or `undefined` for a module built without dirty-page tracking. */
	static of(exports: WebAssembly.Exports): DirtyPages | undefined {
		const marks = exports[DIRTY_PAGES_EXPORT];
		return marks instanceof WebAssembly.Memory ? new DirtyPages(marks) : undefined;
	}

	/** Pages marked since the last `clear`, in ascending order, among the memory's first `pages`. */
	marked(pages: number): number[] {
		const bytes = this.bytes(pages);
		const found: number[] = [];
		for (let page = 0; page < bytes.length; page++) if (bytes[page] !== 0) found.push(page);
		return found;
	}

	/** Marks the pages that `length` bytes written by the host at `address` touch. */
	markRange(address: number, length: number): void {
		if (length <= 0) return;
		const first = floor(address / PAGE);
		const last = floor((address + length - 1) / PAGE);
		this.bytes(last + 1).fill(1, first, last + 1);
	}

	clear(pages: number): void {
		this.bytes(pages).fill(0);
	}

	private bytes(pages: number): Uint8Array {
		const view = new Uint8Array(this.marks.buffer);
		if (pages > view.length) {
			throw new Error(
				`The guest's ${DIRTY_PAGES_EXPORT} memory (${view.length} bytes) cannot mark ${pages} pages; it must hold one byte per page.`,
			);
		}
		return view.subarray(0, pages);
	}
}

const PAGE = 65_536;
