/**
 * The meter (scripts/build/meter.mjs) in Node: it keeps a module's ABI exactly as it was and
 * only adds the host's reserved exports, its budget imports and its section; it is idempotent;
 * it refuses what the host could not bound; and `npm run build:wasm` meters, in place, a module
 * built elsewhere that services/ imports.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
	buildId,
	FUEL_EXPORT,
	INITIAL_FUEL,
	METER_IMPORT_MODULE,
	meter,
	meterInfo,
} from "../../scripts/build/meter.mjs";
import { checkModule } from "../../src/wasm/abi.ts";
import { checkMetered, TABLE_ELEMENT_BYTES, WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { NODE } from "./cli-process.ts";
import { PROJECT_ROOT } from "./dev-server.ts";
import { copyProject } from "./project-copy.ts";

const run = promisify(execFile);
/** scripted.wat as wabt compiles it, never metered. */
const UNMETERED = readFileSync(join(PROJECT_ROOT, "build/fixtures/unmetered.wasm"));

/** A minimal ABI guest with `extra` fields; imports go first, as the text format requires. */
const GUEST = (extra: string) => `(module
	${extra.startsWith("(import") ? extra : ""}
	(memory (export "memory") 1)
	${extra.startsWith("(import") ? "" : extra}
	(global (export "STATEROOM_API_VERSION") i32 (i32.const 16))
	(global (export "STATEROOM_API_PROTOCOL") i32 (i32.const 20))
	(data (i32.const 16) "\\01\\00\\00\\00\\00\\00\\00\\00")
	(func (export "stateroom_malloc") (param i32) (result i32) (i32.const 64))
	(func (export "stateroom_free") (param i32 i32))
	(func (export "stateroom_recv") (param i32 i32)))`;

/** Compiles WAT with every feature the refusals need (wabt, as scripts/build/wat.mjs does). */
async function wat(source: string): Promise<Uint8Array> {
	const wabt = await (await import("wabt")).default();
	const features = { multi_memory: true, threads: true, memory64: true, reference_types: true, bulk_memory: true };
	const module = wabt.parseWat("guest.wat", source, features);
	try {
		return module.toBinary({}).buffer;
	} finally {
		module.destroy();
	}
}

const shape = (module: WebAssembly.Module) => ({
	exports: WebAssembly.Module.exports(module),
	imports: WebAssembly.Module.imports(module),
});

describe("meter", () => {
	it("keeps every export and import, adds only the budget imports, the fuel global and the dirty-page memory, and records the build", async () => {
		const metered = await meter(UNMETERED, "scripted.wasm");
		const before = shape(await WebAssembly.compile(UNMETERED));
		const after = shape(await WebAssembly.compile(metered));
		expect(after.imports).toEqual([
			{ module: METER_IMPORT_MODULE, name: "fuel", kind: "global" },
			{ module: METER_IMPORT_MODULE, name: "memory_limit_bytes", kind: "global" },
			...before.imports,
		]);
		expect(after.exports).toEqual([
			...before.exports,
			{ name: "stateroom_dirty_pages", kind: "memory" },
			{ name: FUEL_EXPORT, kind: "global" },
		]);
		// scripted.wat declares one page of memory and no table.
		expect(meterInfo(metered)).toEqual({ meter: 2, build: buildId(UNMETERED), initialBytes: 65_536 });
		const module = await WebAssembly.compile(metered);
		await expect(checkModule(module, "scripted.wasm")).resolves.toBeUndefined();
		expect(checkMetered(module, "scripted.wasm").build).toMatch(/^[0-9a-f]{64}$/);
		// Metering a metered module changes nothing.
		expect(await meter(metered)).toBe(metered);
		// The fuel a module starts with (for its start function) is the documented default budget.
		expect(INITIAL_FUEL).toBe(BigInt(WASM_LIMIT_DEFAULTS.fuelPerEvent));
	});

	it("records what a module declares up front, tables included, for the host to refuse one over its limit", async () => {
		const metered = await meter(await wat(GUEST("(memory $more 3) (table 1000 funcref)")), "declares.wasm");
		const declared = 4 * 65_536 + 1000 * TABLE_ELEMENT_BYTES;
		expect(meterInfo(metered)?.initialBytes).toBe(declared);
		const module = await WebAssembly.compile(metered);
		expect(checkMetered(module, "declares.wasm", { maxMemoryBytes: declared }).initialBytes).toBe(declared);
		expect(() => checkMetered(module, "declares.wasm", { maxMemoryBytes: declared - 1 })).toThrow(
			`module declares ${declared} bytes of memory and tables, over limits.maxMemoryBytes (${declared - 1})`,
		);
	});

	it("refuses what the host could not bound: imported memories, tables and globals, shared and 64-bit memories", async () => {
		const refusals: [string, string][] = [
			[
				'(import "env" "extra" (memory 1))',
				'imports the memory "env"."extra": the host cannot bound what it does not own',
			],
			['(import "env" "t" (table 1 funcref))', 'imports the table "env"."t"'],
			['(import "env" "g" (global i32))', 'imports the global "env"."g"'],
			["(memory $shared 1 1 shared)", "has a shared memory; the Stateroom host runs one thread per room"],
			["(memory $wide i64 1)", "has a 64-bit memory; the Stateroom ABI is 32-bit"],
		];
		for (const [extra, message] of refusals) {
			await expect(meter(await wat(GUEST(extra)), "x.wasm"), extra).rejects.toThrow(message);
		}
	});

	it("refuses a module metered by an older meter, which it cannot meter again", async () => {
		const metered = await meter(UNMETERED, "scripted.wasm");
		const bytes = Buffer.from(metered);
		const version = bytes.indexOf('{"meter":2') + '{"meter":'.length;
		bytes[version] = "1".charCodeAt(0);
		await expect(meter(bytes, "old.wasm")).rejects.toThrow("old.wasm was metered by meter version 1");
	});

	it("the host refuses the unmetered module and says how to meter it", async () => {
		expect(() => checkMetered(new WebAssembly.Module(UNMETERED), "extra")).toThrow(
			'module "extra" is not metered; run `npm run build:wasm`',
		);
	});

	it("npm run build:wasm meters in place a module built elsewhere that services/ imports", async () => {
		// A copy with its build/ (timestamps kept): only the new module has anything to do.
		const copy = copyProject("stateroom-meter-");
		try {
			mkdirSync(join(copy.root, "wasm"));
			writeFileSync(join(copy.root, "wasm/extra.wasm"), UNMETERED);
			writeFileSync(
				join(copy.root, "services/extra.ts"),
				'import extra from "../wasm/extra.wasm";\nexport { extra };\n',
			);
			const { stdout } = await run(NODE, ["scripts/build-wasm.mjs"], { cwd: copy.root, timeout: 180_000 });
			expect(stdout).toContain("[build-wasm] wasm/extra.wasm: metered in place");
			const metered = readFileSync(join(copy.root, "wasm/extra.wasm"));
			expect(meterInfo(metered)).toMatchObject({ meter: 2, build: buildId(UNMETERED) });
			// A second build leaves it as it is.
			const again = await run(NODE, ["scripts/build-wasm.mjs"], { cwd: copy.root, timeout: 180_000 });
			expect(again.stdout).not.toContain("metered in place");
			expect(readFileSync(join(copy.root, "wasm/extra.wasm")).equals(metered)).toBe(true);
		} finally {
			copy.remove();
		}
	}, 400_000);
});
