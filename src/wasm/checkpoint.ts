/**
 * A guest's persistent state: its linear memory, in 64 KiB pages, and its exported mutable
 * globals. After each successful event only the pages that changed since the last checkpoint
 * are written; a woken room instantiates the module afresh, grows its memory back to the
 * stored size and lays the stored pages over it.
 *
 * A page that was never written is, by construction, the same as in a fresh instance (data
 * segments and `_initialize` included), so the storage holds only what events changed.
 * Which pages changed: a module built with dirty-page tracking says so itself (dirty-pages.ts),
 * and a failed event rolls back by reading the last commit from storage. For any other module
 * every page is compared with a copy of the last committed memory, which also serves rollback.
 *
 * Pages only make sense over the build of the module that wrote them, so the meta records
 * that build (metering.ts). A room woken under another build refuses to start, or, when the
 * service says `onModuleChange: "reset"`, starts afresh and deletes the old pages.
 */
import type { StateWrites } from "../engine.ts";
import { NO_WRITES } from "../engine.ts";
import type { DirtyPages } from "./dirty-pages.ts";
import type { Guest } from "./guest.ts";

/** One wasm page; far below the storage API's 2 MiB per value. */
export const PAGE_BYTES = 65_536;
export const META_KEY = "wasm/meta";
export const pageKey = (index: number) => `wasm/page/${index}`;
export const PAGE_KEY_PREFIX = "wasm/page/";

/** What the next instance would not recreate by itself, apart from the pages. */
export interface StoredMeta {
	/** 1: before builds were recorded (treated as an unknown build); 2: with `build`. */
	readonly format: 1 | 2;
	/** Which build of the module wrote the pages (the SHA-256 of its unmetered bytes). */
	readonly build?: string;
	/** The memory's size in bytes, a multiple of 64 KiB. */
	readonly memoryBytes: number;
	/** Exported mutable globals, by export name. */
	readonly globals: Readonly<Record<string, number | bigint>>;
}

/** Which build is running, and what to do with state that another build stored. */
export interface ModuleIdentity {
	readonly build: string;
	readonly onModuleChange: "refuse" | "reset";
}

/** State stored by another build of the module, which the service did not ask to reset. */
export class ModuleChangedError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ModuleChangedError";
	}
}

/**
 * A guest's checkpoint (the engine contract's word for what is written after a successful
 * event): captures what changed, lays stored pages over a fresh instance, and rolls back.
 */
export class Checkpoint {
	/** The memory as of the last checkpoint; kept only for a guest without dirty-page tracking. */
	#memory: Uint8Array | undefined;
	/** The memory's size as of the last checkpoint. */
	#memoryBytes: number;
	#globals: Record<string, number | bigint>;
	#metaStored: boolean;
	readonly #build: string;
	/** Keys of another build's state, deleted with the first checkpoint after a reset. */
	#stale: string[];

	private constructor(
		guest: Guest,
		globals: Record<string, number | bigint>,
		metaStored: boolean,
		build: string,
		stale: string[] = [],
	) {
		const memory = guest.memoryBytes();
		const marks = guest.dirtyPages;
		// What the guest wrote while it was brought here is part of the checkpoint, not a change.
		marks?.clear(memory.length / PAGE_BYTES);
		this.#memory = marks ? undefined : memory.slice();
		this.#memoryBytes = memory.length;
		this.#globals = globals;
		this.#metaStored = metaStored;
		this.#build = build;
		this.#stale = stale;
	}

	/**
	 * The checkpoint of a room: a fresh guest, with whatever earlier events stored laid over it,
	 * if the same build stored it (see `ModuleIdentity`).
	 */
	static resume(guest: Guest, stored: ReadonlyMap<string, unknown>, identity: ModuleIdentity): Checkpoint {
		const meta = stored.get(META_KEY) as StoredMeta | undefined;
		const fresh = () => new Checkpoint(guest, guest.readGlobals(), false, identity.build);
		if (meta === undefined) return fresh();
		if (meta.format !== 1 && meta.format !== 2) {
			throw new Error(
				`The stored WebAssembly state has format ${String(meta.format)}; this host reads formats 1 and 2.`,
			);
		}
		if (meta.build !== identity.build) {
			if (identity.onModuleChange === "refuse") throw moduleChanged(meta.build, identity.build);
			const checkpoint = fresh();
			checkpoint.#stale = [...stored.keys()];
			return checkpoint;
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
		return new Checkpoint(guest, { ...meta.globals }, true, identity.build);
	}

	/** Whether this room dropped state stored by another build (until that is committed). */
	get resetting(): boolean {
		return this.#stale.length > 0;
	}

	/** Whether a failed event can be undone from memory (`restoreInto`), or needs the stored state. */
	get keepsCopy(): boolean {
		return this.#memory !== undefined;
	}

	/** Brings a fresh guest to this checkpoint (after a failed event), if `keepsCopy`. */
	restoreInto(guest: Guest): void {
		if (this.#memory === undefined) throw new Error("This checkpoint keeps no copy of memory; resume from storage.");
		growTo(guest, this.#memory.length);
		guest.memoryBytes().set(this.#memory);
		guest.writeGlobals(this.#globals);
	}

	/** What changed since the last checkpoint, as storage writes; makes the current state the checkpoint. */
	capture(guest: Guest): StateWrites {
		const memory = guest.memoryBytes();
		const put = this.#memory === undefined ? markedPages(guest, memory) : this.comparePages(memory);
		const globals = guest.readGlobals();
		const globalsChanged = Object.entries(globals).some(([name, value]) => this.#globals[name] !== value);
		if (!this.#metaStored || globalsChanged || memory.length !== this.#memoryBytes) {
			put.set(META_KEY, { format: 2, build: this.#build, memoryBytes: memory.length, globals } satisfies StoredMeta);
			this.#metaStored = true;
		}
		this.#memoryBytes = memory.length;
		this.#globals = globals;
		// After a reset, every key of the old build's state goes, apart from those rewritten now.
		const stale = this.#stale.filter((key) => !put.has(key));
		this.#stale = [];
		return put.size === 0 && stale.length === 0 ? NO_WRITES : { put, delete: stale };
	}

	/** The pages that differ from the copy, which is brought up to date. */
	private comparePages(memory: Uint8Array): Map<string, unknown> {
		const put = new Map<string, unknown>();
		const previous = this.#memory as Uint8Array;
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
		this.#memory = next;
		return put;
	}
}

/** The pages the guest marked as written since the last checkpoint; clears the marks. */
function markedPages(guest: Guest, memory: Uint8Array): Map<string, unknown> {
	const marks = guest.dirtyPages as DirtyPages;
	const pages = memory.length / PAGE_BYTES;
	const put = new Map<string, unknown>();
	for (const index of marks.marked(pages)) {
		put.set(pageKey(index), memory.slice(index * PAGE_BYTES, (index + 1) * PAGE_BYTES));
	}
	marks.clear(pages);
	return put;
}

function moduleChanged(stored: string | undefined, running: string): ModuleChangedError {
	const which = stored === undefined ? "unrecorded" : stored.slice(0, 12);
	// The fix comes first: a close reason keeps only 123 bytes.
	return new ModuleChangedError(
		'room state is from another module build; use a new room or set onModuleChange: "reset" ' +
			`(stored build: ${which}, running: ${running.slice(0, 12)})`,
	);
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

/** What an operator sees of a room's stored WebAssembly state: sizes, pages and globals. */
export function inspectStored(stored: ReadonlyMap<string, unknown>) {
	const meta = stored.get(META_KEY) as StoredMeta | undefined;
	const pages = [...stored.keys()]
		.filter((key) => key.startsWith(PAGE_KEY_PREFIX))
		.map((key) => Number(key.slice(PAGE_KEY_PREFIX.length)))
		.sort((a, b) => a - b);
	return {
		/** The module build that wrote the pages; `null` for state stored before builds were recorded. */
		build: meta?.build ?? null,
		memoryBytes: meta?.memoryBytes ?? null,
		/** Pages that differ from a fresh instance's, by index; each is PAGE_BYTES long. */
		storedPages: pages,
		pageBytes: PAGE_BYTES,
		// bigint (i64 globals) is not JSON: written as a decimal string.
		globals: Object.fromEntries(
			Object.entries(meta?.globals ?? {}).map(([name, value]) => [
				name,
				typeof value === "bigint" ? String(value) : value,
			]),
		),
	};
}
