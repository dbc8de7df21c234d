/**
 * Builds the Rust guests (guests/rust/examples/*.rs, Stateroom ABI v1) with Debian's rustc for
 * wasm32-wasi: one rustc call per example, release, opt-level "s", no debug info.
 * Output: build/wasm/rust-<example>.wasm, with "_" in file names turned into "-".
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";

export const name = "Rust services";

const RUSTC = "/usr/bin/rustc";
const TARGET = "wasm32-wasi";
const INSTALL = "apt-get install rustc cargo libstd-rust-dev-wasm32";
const run = promisify(execFile);

export async function build({ root, log }) {
	await checkToolchain();
	const dir = join(root, "guests/rust/examples");
	const shared = join(root, "guests/rust/src/stateroom.rs");
	const examples = readdirSync(dir)
		.filter((file) => file.endsWith(".rs"))
		.sort();
	for (const file of examples) {
		const example = basename(file, ".rs").replaceAll("_", "-");
		const source = join(dir, file);
		const out = join(root, `build/wasm/rust-${example}.wasm`);
		if (upToDate(out, [source, shared, import.meta.filename])) {
			log(`build/wasm/rust-${example}.wasm is up to date`);
			continue;
		}
		const started = Date.now();
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
				out,
				source,
			]);
		} catch (error) {
			throw new Error(`rustc failed on guests/rust/examples/${file}:\n${error.stderr || error.message}`);
		}
		log(`build/wasm/rust-${example}.wasm (${statSync(out).size} bytes, ${Date.now() - started} ms)`);
	}
}

async function checkToolchain() {
	if (!existsSync(RUSTC)) throw new Error(`${RUSTC} is missing. Install Debian's Rust toolchain: ${INSTALL}`);
	const { stdout } = await run(RUSTC, ["--print", "sysroot"]);
	const std = join(stdout.trim(), "lib/rustlib", TARGET);
	if (!existsSync(std)) {
		throw new Error(`the ${TARGET} standard library is missing (no ${std}). Install it: ${INSTALL}`);
	}
}

function upToDate(out, inputs) {
	if (!existsSync(out)) return false;
	const built = statSync(out).mtimeMs;
	return inputs.every((input) => statSync(input).mtimeMs <= built);
}
