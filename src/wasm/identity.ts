/**
 * The optional `env.stateroom_identity` import: how a WebAssembly guest learns who a client is,
 * as a TypeScript service does with `ctx.identity(client)`.
 *
 * `stateroom_identity(client: u32, ptr: u32, len: u32) -> i32` writes the client's identity as
 * UTF-8 JSON, `{"user":"ann","claims":{...}}` (`user` left out when there is none), at `ptr` and
 * returns its length in bytes. If the JSON is longer than `len`, nothing is written and the
 * length it needs is returned, so the guest can allocate and call again. `-1` means the client
 * has no identity (or is not connected). It may be called only while an event is delivered.
 *
 * A guest that does not import it is a v1 guest exactly as before: the host only adds the import
 * to what it offers, and the event and command encodings do not change.
 */
import type { ClientId } from "../api/client-id.ts";
import type { Effects } from "../engine.ts";
import { jsonStringify, utf8Encode } from "../intrinsics.ts";

/** Thrown for a call the guest got wrong; the guest's event fails with it. */
export class IdentityCallError extends Error {
	override readonly name = "IdentityCallError";
}

/** Runs one `stateroom_identity` call against the event's effects and the guest's memory. */
export function writeIdentity(
	effects: Effects | undefined,
	memory: Uint8Array,
	client: number,
	ptr: number,
	len: number,
): number {
	if (effects === undefined) {
		throw new IdentityCallError("stateroom_identity was called outside an event; call it while handling one");
	}
	const identity = effects.identity?.((client >>> 0) as ClientId);
	if (identity === undefined) return -1;
	const bytes = utf8Encode(jsonStringify(identity));
	const start = ptr >>> 0;
	const room = len >>> 0;
	if (bytes.length > room) return bytes.length;
	if (start + bytes.length > memory.length) {
		throw new IdentityCallError(
			`stateroom_identity was given ${room} bytes at address ${start}, outside the guest's memory (${memory.length} bytes)`,
		);
	}
	memory.set(bytes, start);
	return bytes.length;
}
