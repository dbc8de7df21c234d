/**
 * What the toolchain builders (Rust, C) share: when a module needs rebuilding, and how to say
 * that a toolchain is missing so that build-wasm can leave a placeholder instead of failing.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { UNBUILT_SECTION } from "./placeholder.mjs";

/** An error build-wasm may turn into placeholders (outside --strict) instead of failing. */
export function toolchainMissing(message) {
	return Object.assign(new Error(message), { toolchainMissing: true });
}

/**
 * Whether `out` is newer than every input and is a real module: a placeholder left while the
 * toolchain was missing is never up to date, so installing the toolchain builds it for real.
 */
export function upToDate(out, inputs) {
	if (!existsSync(out) || isPlaceholder(out)) return false;
	const built = statSync(out).mtimeMs;
	return inputs.every((input) => statSync(input).mtimeMs <= built);
}

function isPlaceholder(path) {
	// A placeholder is a bare header and one custom section named UNBUILT_SECTION, near the start.
	return readFileSync(path).subarray(0, 64).includes(Buffer.from(UNBUILT_SECTION));
}

/**
 * Writes `bytes` to `path` unless it holds them already (then it is left alone, timestamp and
 * all, so that a watching `wrangler dev` does not reload); returns whether it wrote. Written
 * aside and renamed, so that a reader never sees half a module.
 */
export function writeIfChanged(path, bytes) {
	if (existsSync(path) && readFileSync(path).equals(Buffer.from(bytes))) return false;
	const part = `${path}.${process.pid}.part`;
	writeFileSync(part, bytes);
	renameSync(part, path);
	return true;
}
