/**
 * The optional `env.stateroom_identity` extension of the ABI (docs/abi.md, "Extensions"): who a
 * client is. asc emits an import only for a declared function that compiled code calls, so a
 * module that never calls `ServiceContext.identity` does not import it and stays a v1 guest.
 */
import { ClientId } from "./client-id";

// @ts-ignore: decorator
@external("env", "stateroom_identity")
declare function stateroom_identity(client: u32, ptr: usize, len: usize): i32;

/** Most identities fit in the first buffer; a longer one costs a second call of the size asked for. */
const FIRST_BUFFER: usize = 256;

/** The client's identity JSON, or `null` if it has none or is not connected. */
export function readIdentity(client: ClientId): string | null {
	let room = FIRST_BUFFER;
	for (let attempt = 0; attempt < 2; attempt++) {
		const buffer = heap.alloc(room);
		const written = stateroom_identity(client, buffer, room);
		if (written < 0) {
			heap.free(buffer);
			return null;
		}
		const needed = <usize>written;
		if (needed <= room) {
			const json = String.UTF8.decodeUnsafe(buffer, needed);
			heap.free(buffer);
			return json;
		}
		// The host wrote nothing: retry with the length it needs.
		heap.free(buffer);
		room = needed;
	}
	throw new Error(`stateroom_identity asked for a larger buffer twice for client ${client}`);
}
