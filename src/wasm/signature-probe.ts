/**
 * The signature probe: a module that only imports one value of each type the ABI expects.
 * Linking a guest's export into the matching slot succeeds only if the types are equal.
 *
 * The same module is written as WAT in signature-probe.wat and compiled by the build into
 * build/wasm/signature-probe.wasm, because workerd cannot compile bytes at run time; Node
 * compiles `signatureProbeBytes()` instead. A worker test checks that the two agree.
 */
import { utf8Encode } from "../intrinsics.ts";
export const SIGNATURE_PROBE_IMPORTS = ["i32_to_i32", "i32_i32_to_void", "void_to_void", "global_i32"] as const;

const I32 = 0x7f;
const FUNC_TYPE = 0x60;
const IMPORT_FUNC = 0x00;
const IMPORT_GLOBAL = 0x03;
const IMMUTABLE = 0x00;

/** The probe's binary: (i32) -> i32, (i32, i32) -> (), () -> (), and an immutable i32 global. */
export function signatureProbeBytes(): Uint8Array {
	const types = [
		[FUNC_TYPE, 1, I32, 1, I32],
		[FUNC_TYPE, 2, I32, I32, 0],
		[FUNC_TYPE, 0, 0],
	];
	const typeSection = [types.length, ...types.flat()];
	const entries: number[][] = [
		[...name("probe"), ...name("i32_to_i32"), IMPORT_FUNC, 0],
		[...name("probe"), ...name("i32_i32_to_void"), IMPORT_FUNC, 1],
		[...name("probe"), ...name("void_to_void"), IMPORT_FUNC, 2],
		[...name("probe"), ...name("global_i32"), IMPORT_GLOBAL, I32, IMMUTABLE],
	];
	const importSection = [entries.length, ...entries.flat()];
	return new Uint8Array([
		...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
		...section(1, typeSection),
		...section(2, importSection),
	]);
}

function name(text: string): number[] {
	return [text.length, ...utf8Encode(text)];
}

/** Sections here are under 128 bytes, so their sizes fit one LEB128 byte. */
function section(id: number, content: number[]): number[] {
	return [id, content.length, ...content];
}
