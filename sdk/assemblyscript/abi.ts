/**
 * The exports of the Stateroom WebAssembly ABI (version 1, protocol 0). A service file
 * re-exports this module (`export * from ".../sdk/assemblyscript/abi"`); the host calls these.
 */
import { Reader } from "./bincode";
import { ServiceContext } from "./context";
import { MessagePayload } from "./payload";
import { EventKind, PayloadKind } from "./protocol";
import { registeredFactory, Service } from "./service";
import "./wasi";

/** The ABI version, as the address of a 4-byte `1` (upstream exports addresses, not values). */
export const STATEROOM_API_VERSION: usize = memory.data<u32>([1]);
/** The ABI protocol, as the address of a 4-byte `0`. */
export const STATEROOM_API_PROTOCOL: usize = memory.data<u32>([0]);

/** Allocates `size` unmanaged bytes for the host to write an event into; 0 for size 0. */
export function stateroom_malloc(size: usize): usize {
	return size == 0 ? 0 : heap.alloc(size);
}

/** Frees a block from `stateroom_malloc`; a no-op for size 0. */
export function stateroom_free(ptr: usize, size: usize): void {
	if (size != 0 && ptr != 0) heap.free(ptr);
}

/** The room's service, built on its first event (as upstream builds its state on `Init`). */
let service: Service | null = null;
const context = new ServiceContext();

/** Delivers one event: decodes it and calls the matching callback. */
export function stateroom_recv(ptr: usize, len: usize): void {
	const reader = new Reader(ptr, ptr + len);
	const kind = reader.u32();
	let target = service;
	if (target === null) {
		target = registeredFactory()();
		service = target;
	}
	switch (kind) {
		case EventKind.Init:
			target.init(context);
			break;
		case EventKind.Connect:
			target.connect(reader.u32(), context);
			break;
		case EventKind.Disconnect:
			target.disconnect(reader.u32(), context);
			break;
		case EventKind.Message: {
			const sender = reader.u32();
			target.message(sender, readPayload(reader), context);
			break;
		}
		case EventKind.Timer:
			target.timer(context);
			break;
		default:
			throw new Error(`stateroom_recv: unknown event variant ${kind} (this SDK speaks ABI version 1)`);
	}
}

function readPayload(reader: Reader): MessagePayload {
	const kind = reader.u32();
	if (kind == PayloadKind.Text) {
		const start = reader.lengthPrefixed();
		return MessagePayload.text(String.UTF8.decodeUnsafe(start, reader.lastLength));
	}
	if (kind == PayloadKind.Bytes) {
		const start = reader.lengthPrefixed();
		const bytes = new Uint8Array(<i32>reader.lastLength);
		memory.copy(bytes.dataStart, start, reader.lastLength);
		return MessagePayload.bytes(bytes);
	}
	throw new Error(`stateroom_recv: unknown payload variant ${kind}`);
}
