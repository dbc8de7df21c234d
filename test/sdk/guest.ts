/**
 * A minimal Stateroom host for Node, written from the ABI document (docs/abi.md) alone, so the guest SDK can
 * be checked byte for byte without workerd or the real host: it encodes events, collects the
 * commands a guest sends and decodes them, and saves/restores a guest the way the ABI says a
 * host may (linear memory plus exported mutable globals, into a fresh instance).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
	DEFAULT_FUEL_PER_EVENT,
	DEFAULT_MAX_MEMORY_BYTES,
	METER_IMPORT_MODULE,
	meterImports,
} from "../../src/wasm/meter-contract.mjs";

export type Payload = { readonly text: string } | { readonly bytes: number[] };
export type Recipient = "broadcast" | { readonly client: number } | { readonly everyoneExcept: number };
export type Command = { readonly to: Recipient; readonly message: Payload } | { readonly setTimer: number };
export type Event =
	| { readonly init: true }
	| { readonly connect: number }
	| { readonly disconnect: number }
	| { readonly message: Payload; readonly from: number }
	| { readonly timer: true };

interface GuestAbi {
	stateroom_malloc(size: number): number;
	stateroom_recv(ptr: number, len: number): void;
	stateroom_free(ptr: number, size: number): void;
}

export interface Snapshot {
	readonly memory: Uint8Array;
	readonly globals: ReadonlyMap<string, number | bigint>;
}

const ROOT = join(import.meta.dirname, "../..");
const ENOSYS = 52;

/** Where the build puts a module: services in build/wasm (`npm run build:wasm`), fixtures in build/fixtures (`npm run build:test`). */
export function wasmPath(name: string, dir: "wasm" | "fixtures" = "wasm"): string {
	const path = join(ROOT, "build", dir, `${name}.wasm`);
	if (!existsSync(path))
		throw new Error(
			`${path} does not exist: run \`npm run build:test\` first (it builds the services and the test fixtures).`,
		);
	return path;
}

export class TestGuest {
	readonly stderr: string[] = [];
	/** Sees every command's bytes as the guest sent them. */
	onRawCommand?: (bytes: Uint8Array) => void;
	#sent: Command[] = [];
	readonly #instance: WebAssembly.Instance;

	private constructor(module: WebAssembly.Module) {
		const guest = this;
		const wasi = new Proxy({} as Record<string, (...args: number[]) => number>, {
			get(_target, name: string) {
				if (name === "fd_write")
					return (_fd: number, iovs: number, count: number, written: number) => guest.#fdWrite(iovs, count, written);
				if (name === "random_get")
					return (ptr: number, len: number) => {
						crypto.getRandomValues(guest.#bytes(ptr, len));
						return 0;
					};
				return () => ENOSYS;
			},
		});
		this.#instance = new WebAssembly.Instance(module, {
			env: {
				stateroom_send: (ptr: number, len: number) => {
					const bytes = this.#bytes(ptr, len).slice();
					this.onRawCommand?.(bytes);
					this.#sent.push(decodeCommand(bytes));
				},
			},
			wasi_snapshot_preview1: wasi,
			// Modules built by `npm run build:wasm` are metered: they import their budget.
			[METER_IMPORT_MODULE]: meterImports({
				fuelPerEvent: DEFAULT_FUEL_PER_EVENT,
				maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES,
			}),
		});
		const initialize = this.#instance.exports._initialize;
		if (typeof initialize === "function") initialize();
	}

	static load(name: string, dir: "wasm" | "fixtures" = "wasm"): TestGuest {
		return new TestGuest(new WebAssembly.Module(readFileSync(wasmPath(name, dir))));
	}

	get exports(): WebAssembly.Exports {
		return this.#instance.exports;
	}

	memory(): Uint8Array {
		return new Uint8Array((this.exports.memory as WebAssembly.Memory).buffer);
	}

	/** Delivers one event as the ABI says (malloc, copy, recv, free) and returns the commands it sent. */
	run(event: Event | Uint8Array): Command[] {
		const bytes = event instanceof Uint8Array ? event : encodeEvent(event);
		const abi = this.exports as unknown as GuestAbi;
		const ptr = abi.stateroom_malloc(bytes.length);
		this.memory().set(bytes, ptr);
		this.#sent = [];
		abi.stateroom_recv(ptr, bytes.length);
		abi.stateroom_free(ptr, bytes.length);
		return this.#sent;
	}

	snapshot(): Snapshot {
		return { memory: this.memory().slice(), globals: new Map(this.#mutableGlobals()) };
	}

	/** Lays a snapshot over this (fresh) instance, as a host does when a room wakes. */
	restore(snapshot: Snapshot): void {
		const memory = this.exports.memory as WebAssembly.Memory;
		const missing = snapshot.memory.length - memory.buffer.byteLength;
		if (missing > 0) memory.grow(missing / 65_536);
		this.memory().set(snapshot.memory);
		const globals = this.exports;
		for (const [name, value] of snapshot.globals) (globals[name] as WebAssembly.Global).value = value;
	}

	*#mutableGlobals(): Iterable<[string, number | bigint]> {
		for (const [name, value] of Object.entries(this.exports)) {
			if (!(value instanceof WebAssembly.Global)) continue;
			const current = value.value as number | bigint;
			try {
				// Assigning to an immutable global throws: that is how JS tells them apart.
				value.value = current;
			} catch {
				continue;
			}
			yield [name, current];
		}
	}

	#bytes(ptr: number, len: number): Uint8Array {
		return new Uint8Array((this.exports.memory as WebAssembly.Memory).buffer, ptr, len);
	}

	#fdWrite(iovs: number, count: number, written: number): number {
		const view = new DataView((this.exports.memory as WebAssembly.Memory).buffer);
		let total = 0;
		let text = "";
		for (let index = 0; index < count; index++) {
			const ptr = view.getUint32(iovs + index * 8, true);
			const len = view.getUint32(iovs + index * 8 + 4, true);
			text += new TextDecoder().decode(this.#bytes(ptr, len));
			total += len;
		}
		this.stderr.push(text);
		view.setUint32(written, total, true);
		return 0;
	}
}

/** bincode 1.x: u32 variant index, little-endian integers, u64 length prefixes. */
export function encodeEvent(event: Event): Uint8Array {
	const out: number[] = [];
	const u32 = (value: number) => out.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
	if ("init" in event) u32(0);
	else if ("connect" in event) {
		u32(1);
		u32(event.connect);
	} else if ("disconnect" in event) {
		u32(2);
		u32(event.disconnect);
	} else if ("timer" in event) u32(4);
	else {
		u32(3);
		u32(event.from);
		const isText = "text" in event.message;
		const bytes = "text" in event.message ? [...new TextEncoder().encode(event.message.text)] : event.message.bytes;
		u32(isText ? 1 : 0);
		u32(bytes.length);
		u32(0);
		out.push(...bytes);
	}
	return new Uint8Array(out);
}

export function decodeCommand(bytes: Uint8Array): Command {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let at = 0;
	const u32 = () => {
		const value = view.getUint32(at, true);
		at += 4;
		return value;
	};
	const variant = u32();
	if (variant === 1) {
		const setTimer = u32();
		expectEnd(at, bytes);
		return { setTimer };
	}
	if (variant !== 0) throw new Error(`unknown command variant ${variant}`);
	const recipientKind = u32();
	const to: Recipient =
		recipientKind === 0 ? "broadcast" : recipientKind === 1 ? { client: u32() } : { everyoneExcept: u32() };
	if (recipientKind > 2) throw new Error(`unknown recipient variant ${recipientKind}`);
	const payloadKind = u32();
	const length = Number(view.getBigUint64(at, true));
	at += 8;
	const data = bytes.slice(at, at + length);
	at += length;
	expectEnd(at, bytes);
	if (payloadKind === 1) return { to, message: { text: new TextDecoder("utf-8", { fatal: true }).decode(data) } };
	if (payloadKind === 0) return { to, message: { bytes: [...data] } };
	throw new Error(`unknown payload variant ${payloadKind}`);
}

function expectEnd(at: number, bytes: Uint8Array): void {
	if (at !== bytes.length) throw new Error(`command has ${bytes.length - at} trailing bytes`);
}
