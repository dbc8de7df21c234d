/**
 * Builds the Rust guests (guests/rust/examples/*.rs, Stateroom ABI v1) with Debian's rustc for
 * wasm32-wasi: one rustc call per example, release, opt-level "s", no debug info.
 * Output: build/wasm/rust-<example>.wasm, with "_" in file names turned into "-", metered
 * (scripts/build/meter.mjs).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { toolchainMissing, upToDate } from "./freshness.mjs";
import { METER_FILES, meterFile } from "./meter.mjs";

export const name = "Rust services";

/** Debian's rustc has the wasm32-wasi std (rustup's here does not); RUSTC overrides it. */
const RUSTC = process.env.RUSTC || "/usr/bin/rustc";
const TARGET = "wasm32-wasi";
const INSTALL = "apt-get install rustc cargo libstd-rust-dev-wasm32";
const run = promisify(execFile);

/** The example sources, and the module each one builds. */
function examples(root) {
	const dir = join(root, "guests/rust/examples");
	return readdirSync(dir)
		.filter((file) => file.endsWith(".rs"))
		.sort()
		.map((file) => ({
			file,
			source: join(dir, file),
			example: basename(file, ".rs").replaceAll("_", "-"),
			out: join(root, `build/wasm/rust-${basename(file, ".rs").replaceAll("_", "-")}.wasm`),
		}));
}

/** The modules this builder writes: where build-wasm puts placeholders if the toolchain is missing. */
export function outputs(root) {
	return examples(root).map(({ out }) => out);
}

export async function build({ root, module }) {
	await checkToolchain();
	const shared = join(root, "guests/rust/src/stateroom.rs");
	for (const { file, source, example, out } of examples(root)) {
		if (upToDate(out, [source, shared, import.meta.filename, ...METER_FILES])) {
			module(`build/wasm/rust-${example}.wasm`, "up to date");
			continue;
		}
		const started = Date.now();
		const part = `${out}.${process.pid}.part`;
		try {
			await run(RUSTC, [
				"--edition=2021",
				"--crate-type=cdylib",
				`--target=${TARGET}`,
				`--crate-name=${basename(file, ".rs")}`,
				"-Copt-level=s",
				"-Cdebuginfo=0",
				"-Cstrip=debuginfo",
				"-o",
				part,
				source,
			]);
			await meterFile(part, out);
		} catch (error) {
			throw new Error(`rustc failed on guests/rust/examples/${file}:\n${error.stderr || error.message}`);
		} finally {
			rmSync(part, { force: true });
		}
		module(`build/wasm/rust-${example}.wasm`, `built (${statSync(out).size} bytes, ${Date.now() - started} ms)`);
	}
}

async function checkToolchain() {
	if (!existsSync(RUSTC)) throw toolchainMissing(`${RUSTC} is missing. Install Debian's Rust toolchain: ${INSTALL}`);
	const { stdout } = await run(RUSTC, ["--print", "sysroot"]);
	const std = join(stdout.trim(), "lib/rustlib", TARGET);
	if (!existsSync(std)) {
		throw toolchainMissing(`the ${TARGET} standard library is missing (no ${std}). Install it: ${INSTALL}`);
	}
}
