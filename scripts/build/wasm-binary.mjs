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

/** Import kinds as the binary format numbers them. */
const IMPORT_KINDS = ["function", "table", "memory", "global", "tag"];

/** The module's imports, `{ module, name, kind }` each, from its import section. */
export function importsOf(bytes) {
	const section = [...sections(bytes)].find(({ id }) => id === 2);
	if (!section) return [];
	let [count, offset] = leb(bytes, section.start);
	const found = [];
	const text = (at) => {
		const [length, start] = leb(bytes, at);
		return [new TextDecoder().decode(bytes.subarray(start, start + length)), start + length];
	};
	for (; count > 0; count--) {
		const [module, afterModule] = text(offset);
		const [name, afterName] = text(afterModule);
		const kind = bytes[afterName];
		offset = afterName + 1;
		if (kind === 0x00) [, offset] = leb(bytes, offset);
		else if (kind === 0x01) offset = skipLimits(bytes, offset + 1);
		else if (kind === 0x02) offset = skipLimits(bytes, offset);
		else if (kind === 0x03) offset += 2;
		else if (kind === 0x04) offset = leb(bytes, offset + 1)[1];
		else throw new Error(`unknown import kind ${kind}`);
		found.push({ module, name, kind: IMPORT_KINDS[kind] });
	}
	return found;
}

function skipLimits(bytes, offset) {
	const flags = bytes[offset];
	let next = leb(bytes, offset + 1)[1];
	if (flags & 1) next = leb(bytes, next)[1];
	return next;
}

/** The names the module exports, from its export section. */
export function exportNames(bytes) {
	const section = [...sections(bytes)].find(({ id }) => id === 7);
	if (!section) return [];
	let [count, offset] = leb(bytes, section.start);
	const names = [];
	for (; count > 0; count--) {
		const [length, start] = leb(bytes, offset);
		names.push(new TextDecoder().decode(bytes.subarray(start, start + length)));
		offset = leb(bytes, start + length + 1)[1];
	}
	return names;
}

/** The number of memories the module defines itself (its memory section's count). */
export function definedMemoryCount(bytes) {
	const section = [...sections(bytes)].find(({ id }) => id === 5);
	return section ? leb(bytes, section.start)[0] : 0;
}

/**
 * The module's bytes with its memory section's body replaced by `memoryBody` (when given) and
 * `exports` (`[name, kind byte, index]`) added to its export section. Throws if the module has
 * no memory or export section.
 */
export function rewriteMemoriesAndExports(bytes, { memoryBody, exports }) {
	const all = [...sections(bytes)];
	const memories = all.find((section) => section.id === 5);
	const exported = all.find((section) => section.id === 7);
	if (!memories || !exported) throw new Error("the module defines no memory of its own, or exports nothing");
	const [exportCount, exportCountEnd] = leb(bytes, exported.start);
	const added = exports.map(([name, kind, index]) => {
		const encoded = new TextEncoder().encode(name);
		return concat(uleb(encoded.length), encoded, Uint8Array.of(kind), uleb(index));
	});
	const exportBody = concat(uleb(exportCount + exports.length), bytes.subarray(exportCountEnd, exported.end), ...added);
	const parts = [bytes.subarray(0, 8)];
	for (const section of all) {
		if (section === memories && memoryBody) parts.push(Uint8Array.of(5), uleb(memoryBody.length), memoryBody);
		else if (section === exported) parts.push(Uint8Array.of(7), uleb(exportBody.length), exportBody);
		else parts.push(bytes.subarray(section.headerStart, section.end));
	}
	return concat(...parts);
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
