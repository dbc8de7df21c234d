/**
 * Reading and writing the WebAssembly binary format by hand, for the few things the meter does
 * before (or without) binaryen: finding sections and reading LEB128 numbers. One reader, so the
 * meter's custom-section lookup and the dirty-page memory's insertion agree on a module's bytes.
 */
import { fileURLToPath } from "node:url";

export const WASM_BINARY_FILE = fileURLToPath(import.meta.url);

/** Thrown when a module's bytes end inside a number or a section. */
export class TruncatedModuleError extends Error {
	constructor() {
		super("truncated module");
		this.name = "TruncatedModuleError";
	}
}

/** An unsigned LEB128 number at `start`: `[value, offset after it]`. */
export function leb(bytes, start) {
	let value = 0;
	let shift = 0;
	let offset = start;
	for (;;) {
		const byte = bytes[offset++];
		if (byte === undefined) throw new TruncatedModuleError();
		value += (byte & 0x7f) * 2 ** shift;
		if ((byte & 0x80) === 0) return [value, offset];
		shift += 7;
	}
}

export function uleb(value) {
	const out = [];
	do {
		let byte = value & 0x7f;
		value = Math.floor(value / 128);
		if (value !== 0) byte |= 0x80;
		out.push(byte);
	} while (value !== 0);
	return Uint8Array.from(out);
}

/**
 * The sections of a module, in order, each as `{ id, headerStart, start, end }` (its id byte at
 * `headerStart`, its body from `start` to `end`). Lazy, so a reader that finds what it wants
 * early never reads the rest; throws `TruncatedModuleError` at a section that overruns the bytes.
 */
export function* sections(bytes) {
	let offset = 8;
	while (offset < bytes.length) {
		const headerStart = offset;
		const id = bytes[offset];
		const [size, start] = leb(bytes, offset + 1);
		const end = start + size;
		if (end > bytes.length) throw new TruncatedModuleError();
		yield { id, headerStart, start, end };
		offset = end;
	}
}

export function concat(...parts) {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
