/**
 * A guest's persistent state: its linear memory, in 64 KiB pages, and its exported mutable
 * globals. After each successful event only the pages that changed since the last checkpoint
 * are written; a woken room instantiates the module afresh, grows its memory back to the
 * stored size and lays the stored pages over it.
 *
 * A page that was never written is, by construction, the same as in a fresh instance (data
 * segments and `_initialize` included), so the storage holds only what events changed.
 * The last committed state stays in memory too, so that rollback needs no storage read.
 */
import type { StateWrites } from "../engine.ts";
import { NO_WRITES } from "../engine.ts";
import type { Guest } from "./guest.ts";

/** One wasm page; far below the storage API's 2 MiB per value. */
export const PAGE_BYTES = 65_536;
export const META_KEY = "wasm/meta";
export const pageKey = (index: number) => `wasm/page/${index}`;
export const PAGE_KEY_PREFIX = "wasm/page/";

/** What the next instance would not recreate by itself, apart from the pages. */
export interface StoredMeta {
	readonly format: 1;
	/** The memory's size in bytes, a multiple of 64 KiB. */
	readonly memoryBytes: number;
	/** Exported mutable globals, by export name. */
	readonly globals: Readonly<Record<string, number | bigint>>;
}

export class Checkpoint {
	/** The memory as of the last checkpoint. */
	#memory: Uint8Array;
	#globals: Record<string, number | bigint>;
	#metaStored: boolean;

	private constructor(memory: Uint8Array, globals: Record<string, number | bigint>, metaStored: boolean) {
		this.#memory = memory;
		this.#globals = globals;
		this.#metaStored = metaStored;
	}

	/** The checkpoint of a room: a fresh guest, with whatever earlier events stored laid over it. */
	static resume(guest: Guest, stored: ReadonlyMap<string, unknown>): Checkpoint {
		const meta = stored.get(META_KEY) as StoredMeta | undefined;
		if (meta === undefined) return new Checkpoint(guest.memoryCopy(), guest.readGlobals(), false);
		if (meta.format !== 1) {
			throw new Error(`The stored WebAssembly state has format ${String(meta.format)}; this host reads format 1.`);
		}
		growTo(guest, meta.memoryBytes);
		const memory = guest.memoryBytes();
		for (const [key, value] of stored) {
			if (!key.startsWith(PAGE_KEY_PREFIX)) continue;
			const index = Number(key.slice(PAGE_KEY_PREFIX.length));
			const page = asBytes(value, key);
			if (!Number.isInteger(index) || page.length !== PAGE_BYTES || (index + 1) * PAGE_BYTES > meta.memoryBytes) {
				throw new Error(`Stored page "${key}" does not fit the stored memory of ${meta.memoryBytes} bytes.`);
			}
			memory.set(page, index * PAGE_BYTES);
		}
		guest.writeGlobals(meta.globals);
		return new Checkpoint(guest.memoryCopy(), { ...meta.globals }, true);
	}

	/** Brings a fresh guest to this checkpoint (after a failed event). */
	restoreInto(guest: Guest): void {
		growTo(guest, this.#memory.length);
		guest.memoryBytes().set(this.#memory);
		guest.writeGlobals(this.#globals);
	}

	/** What changed since the last checkpoint, as storage writes; makes the current state the checkpoint. */
	capture(guest: Guest): StateWrites {
		const memory = guest.memoryBytes();
		const put = new Map<string, unknown>();
		const previous = this.#memory;
		let next = previous;
		if (memory.length !== previous.length) {
			next = new Uint8Array(memory.length);
			next.set(previous);
		}
		for (let index = 0; index * PAGE_BYTES < memory.length; index++) {
			const start = index * PAGE_BYTES;
			if (samePage(memory, next, start)) continue;
			const page = memory.slice(start, start + PAGE_BYTES);
			next.set(page, start);
			put.set(pageKey(index), page);
		}
		const globals = guest.readGlobals();
		const globalsChanged = Object.entries(globals).some(([name, value]) => this.#globals[name] !== value);
		if (!this.#metaStored || globalsChanged || memory.length !== previous.length) {
			put.set(META_KEY, { format: 1, memoryBytes: memory.length, globals } satisfies StoredMeta);
			this.#metaStored = true;
		}
		this.#memory = next;
		this.#globals = globals;
		return put.size === 0 ? NO_WRITES : { put, delete: [] };
	}
}

function growTo(guest: Guest, bytes: number): void {
	const memory = guest.memory();
	const current = memory.buffer.byteLength;
	if (bytes < current) {
		throw new Error(
			`The stored memory (${bytes} bytes) is smaller than a fresh instance's (${current} bytes): ` +
				"the room's state was saved by a different module. Use a new room, or delete this room's storage.",
		);
	}
	if (bytes === current) return;
	try {
		memory.grow((bytes - current) / PAGE_BYTES);
	} catch (error) {
		throw new Error(
			`Cannot grow the guest's memory back to its stored ${bytes} bytes: ${error instanceof Error ? error.message : error}`,
		);
	}
}

/** Compares one page word by word; pages are 64 KiB-aligned, so 32-bit views line up. */
function samePage(a: Uint8Array, b: Uint8Array, start: number): boolean {
	const left = new Uint32Array(a.buffer, a.byteOffset + start, PAGE_BYTES / 4);
	const right = new Uint32Array(b.buffer, b.byteOffset + start, PAGE_BYTES / 4);
	for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
	return true;
}

function asBytes(value: unknown, key: string): Uint8Array {
	if (value instanceof Uint8Array) return value;
	if (value instanceof ArrayBuffer) return new Uint8Array(value);
	if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
	throw new Error(`Stored page "${key}" is not bytes.`);
}
