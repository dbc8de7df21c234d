/**
 * Builds the C guests (guests/c/examples/*.c on guests/c/stateroom.c, Stateroom ABI v1) with
 * Debian's clang for wasm32-wasi as WASI reactors (`-mexec-model=reactor`: the module exports
 * `_initialize`, which runs the C constructors), linked with Debian's wasi-libc by wasm-ld.
 * Output: build/wasm/c-counter.wasm and build/wasm/c-echo.wasm, metered (scripts/build/meter.mjs).
 */
import { execFile } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { toolchainMissing, upToDate } from "./freshness.mjs";
import { METER_FILES, meterFile } from "./meter.mjs";

export const name = "C services";

/** Debian's clang (package clang); CLANG overrides it. */
const CLANG = process.env.CLANG || "/usr/bin/clang";
const TARGET = "wasm32-wasi";
const INSTALL = "apt-get install clang lld wasi-libc";
const run = promisify(execFile);

/** Each example and the module it builds. */
const EXAMPLES = [
	{ file: "counter.c", module: "c-counter" },
	{ file: "echo.c", module: "c-echo" },
];

const FLAGS = [
	`--target=${TARGET}`,
	"-mexec-model=reactor",
	"-std=c11",
	"-Os",
	"-Wall",
	"-Wextra",
	"-Werror",
	// clang's wasm32-wasi driver links compiler-rt's builtins (package libclang-rt-14-dev-wasm32);
	// these guests need none (no long double, no 128-bit arithmetic), so link wasi-libc alone.
	"-nodefaultlibs",
	// The version globals: wasm-ld exports a data symbol as an immutable i32 global holding its
	// address, which is what the ABI asks for (clang's export_name is for functions only).
	"-Wl,--export=STATEROOM_API_VERSION",
	"-Wl,--export=STATEROOM_API_PROTOCOL",
	"-Wl,--strip-all",
];

function examples(root) {
	return EXAMPLES.map(({ file, module }) => ({
		file,
		module,
		source: join(root, "guests/c/examples", file),
		out: join(root, `build/wasm/${module}.wasm`),
	}));
}

/** The modules this builder writes: where build-wasm puts placeholders if the toolchain is missing. */
export function outputs(root) {
	return examples(root).map(({ out }) => out);
}

export async function build({ root, module: report }) {
	await checkToolchain();
	const shared = [join(root, "guests/c/stateroom.c"), join(root, "guests/c/stateroom.h")];
	for (const { file, module, source, out } of examples(root)) {
		if (upToDate(out, [source, ...shared, import.meta.filename, ...METER_FILES])) {
			report(`build/wasm/${module}.wasm`, "up to date");
			continue;
		}
		const started = Date.now();
		const part = `${out}.${process.pid}.part`;
		try {
			await run(CLANG, [...FLAGS, "-o", part, shared[0], source, "-lc"]);
		} catch (error) {
			rmSync(part, { force: true });
			const said = error.stderr || error.message;
			const hint = /undefined symbol: __/.test(said)
				? "\n(a compiler-rt builtin is missing: install libclang-rt-14-dev-wasm32 and drop -nodefaultlibs in scripts/build/c.mjs)"
				: "";
			throw new Error(`clang failed on guests/c/examples/${file}:\n${said}${hint}`);
		}
		try {
			await meterFile(part, out);
		} finally {
			rmSync(part, { force: true });
		}
		report(`build/wasm/${module}.wasm`, `built (${statSync(out).size} bytes, ${Date.now() - started} ms)`);
	}
}

/** clang, wasm-ld and wasi-libc, each found the way clang itself will look for it. */
async function checkToolchain() {
	if (!existsSync(CLANG))
		throw toolchainMissing(`${CLANG} is missing. Install Debian's clang, lld and wasi-libc: ${INSTALL}`);
	const ask = async (what) => (await run(CLANG, [`--target=${TARGET}`, what])).stdout.trim();
	const linker = await ask("-print-prog-name=wasm-ld");
	if (!isAbsolute(linker) || !existsSync(linker)) {
		throw toolchainMissing(`wasm-ld (the WebAssembly linker) is missing. Install Debian's lld: ${INSTALL}`);
	}
	const reactor = await ask("-print-file-name=crt1-reactor.o");
	if (!isAbsolute(reactor) || !existsSync(reactor)) {
		throw toolchainMissing(
			`wasi-libc for ${TARGET} is missing (clang finds no crt1-reactor.o). Install it: ${INSTALL}`,
		);
	}
}
