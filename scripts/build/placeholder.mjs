/**
 * A placeholder module for a guest whose toolchain is missing: an empty WebAssembly module
 * with one custom section, `stateroom.unbuilt`, holding the reason. The Worker still bundles
 * (every `.wasm` import resolves), and the host refuses the placeholder with that reason, so a
 * client of the missing service gets close code 1011 and "service ... was not built: ...".
 */
import { uleb } from "./wasm-binary.mjs";

export const UNBUILT_SECTION = "stateroom.unbuilt";

/** The placeholder module's bytes. */
export function placeholder(reason) {
	const name = new TextEncoder().encode(UNBUILT_SECTION);
	const payload = new TextEncoder().encode(reason);
	const body = [...uleb(name.length), ...name, ...payload];
	return Uint8Array.from([
		...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
		...[0x01, 0x00, 0x00, 0x00], // version 1
		0x00, // custom section
		...uleb(body.length),
		...body,
	]);
}
