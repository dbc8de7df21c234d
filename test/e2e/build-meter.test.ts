/**
 * The meter (scripts/build/meter.mjs) in Node: it keeps a module's ABI exactly as it was and
 * only adds the host's reserved exports, its budget imports and its signed section; it is
 * idempotent for the modules it made and refuses a meter section it did not write (as the host
 * does); it refuses what the host could not bound or store; and `npm run build:wasm` meters, in
 * place, a module built elsewhere that services/ imports.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
	buildId,
	FUEL_EXPORT,
	INITIAL_FUEL,
	METER_IMPORT_MODULE,
	meter,
	checkSealed as meterChecksSeal,
	meterInfo,
} from "../../scripts/build/meter.mjs";
import { checkModule } from "../../src/wasm/abi.ts";
import { checkMetered, checkSealed, TABLE_ELEMENT_BYTES, WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { NODE } from "./cli-process.ts";
import { PROJECT_ROOT } from "./dev-server.ts";
import { copyProject } from "./project-copy.ts";

const run = promisify(execFile);
/** scripted.wat as wabt compiles it, never metered. */
const UNMETERED = readFileSync(join(PROJECT_ROOT, "build/fixtures/unmetered.wasm"));
/** The project's public meter key, as the Worker bundles it. */
const METER_KEY = new WebAssembly.Module(readFileSync(join(PROJECT_ROOT, "build/wasm/meter-key.wasm")));

/** `bytes` with a custom section `name` holding `payload` appended: what anyone can write. */
function withSection(bytes: Uint8Array, name: string, payload: string): Uint8Array<ArrayBuffer> {
	const uleb = (value: number) => {
		const out: number[] = [];
		do {
			out.push((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
			value >>>= 7;
		} while (value > 0);
		return out;
	};
	const encodedName = new TextEncoder().encode(name);
	const body = [...uleb(encodedName.length), ...encodedName, ...new TextEncoder().encode(payload)];
	return Uint8Array.from([...bytes, 0, ...uleb(body.length), ...body]);
}

/** A minimal ABI guest with `extra` fields and `memory`; imports go first, as the text format requires. */
const GUEST = (extra: string, memory = "1") => `(module
	${extra.startsWith("(import") ? extra : ""}
	(memory (export "memory") ${memory})
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
		expect(meterInfo(metered)).toMatchObject({ meter: 2, build: buildId(UNMETERED), initialBytes: 65_536 });
		const module = await WebAssembly.compile(metered);
		await expect(checkModule(module, "scripted.wasm")).resolves.toBeUndefined();
		const info = checkMetered(module, "scripted.wasm");
		expect(info.build).toMatch(/^[0-9a-f]{64}$/);
		// Signed with the project's key: the host accepts it.
		await expect(checkSealed("scripted.wasm", info, METER_KEY)).resolves.toBeUndefined();
		// Metering a metered module changes nothing.
		expect(await meter(metered)).toBe(metered);
		// The fuel a module starts with (for its start function) is the documented default budget.
		expect(INITIAL_FUEL).toBe(BigInt(WASM_LIMIT_DEFAULTS.fuelPerEvent));
	});

	it("records what a module declares up front, tables included, for the host to refuse one over its limit", async () => {
		const metered = await meter(await wat(GUEST("(table 1000 funcref)")), "declares.wasm");
		const declared = 65_536 + 1000 * TABLE_ELEMENT_BYTES;
		expect(meterInfo(metered)?.initialBytes).toBe(declared);
		const module = await WebAssembly.compile(metered);
		expect(checkMetered(module, "declares.wasm", { maxMemoryBytes: declared }).initialBytes).toBe(declared);
		expect(() => checkMetered(module, "declares.wasm", { maxMemoryBytes: declared - 1 })).toThrow(
			`module declares ${declared} bytes of memory and tables, over limits.maxMemoryBytes (${declared - 1})`,
		);
	});

	it("refuses what the host could not bound: imported memories, tables and globals, shared and 64-bit memories", async () => {
		const refusals: [string, string, string?][] = [
			[
				'(import "env" "extra" (memory 1))',
				'imports the memory "env"."extra": the host cannot bound what it does not own',
			],
			['(import "env" "t" (table 1 funcref))', 'imports the table "env"."t"'],
			['(import "env" "g" (global i32))', 'imports the global "env"."g"'],
			["", "has a shared memory; the Stateroom host runs one thread per room", "1 1 shared"],
			["", "has a 64-bit memory; the Stateroom ABI is 32-bit", "i64 1"],
		];
		for (const [extra, message, memory] of refusals) {
			await expect(meter(await wat(GUEST(extra, memory)), "x.wasm"), extra || memory).rejects.toThrow(message);
		}
	});

	it("refuses a module with more than one memory, whose other memories a room would not store", async () => {
		await expect(meter(await wat(GUEST("(memory $more 3)")), "two.wasm")).rejects.toThrow(
			'two.wasm defines 2 memories; the Stateroom host stores only the one exported as "memory"',
		);
		// The host, at load, refuses a second exported memory whatever the section says.
		const section = JSON.stringify({ meter: 2, build: "0".repeat(64), initialBytes: 131_072 });
		const fuel = '(global (export "stateroom_fuel") (mut i64) (i64.const 0)) (memory (export "other") 1)';
		const module = new WebAssembly.Module(withSection(await wat(GUEST(fuel)), "stateroom.metered", section));
		expect(() => checkMetered(module, "two.wasm")).toThrow('module "two.wasm" has a memory besides "memory" ("other")');
	});

	it("refuses a module whose meter section it did not write, and so does the host", async () => {
		// A hand-made module that claims to be metered: the fuel export, a well-formed section, no instrumentation.
		const plain = await wat(GUEST('(global (export "stateroom_fuel") (mut i64) (i64.const 0))'));
		const claim = { meter: 2, build: buildId(plain), initialBytes: 65_536, code: buildId(plain) };
		const forged = withSection(plain, "stateroom.metered", JSON.stringify({ ...claim, signature: "AAAA" }));
		await expect(meter(forged, "tenant.wasm")).rejects.toThrow(
			'tenant.wasm carries a "stateroom.metered" section that this project\'s meter did not write',
		);
		await expect(meter(forged, "tenant.wasm")).rejects.toThrow("Meter the original, unmetered module");
		const module = new WebAssembly.Module(forged);
		await expect(checkSealed("tenant.wasm", checkMetered(module, "tenant.wasm"), METER_KEY)).rejects.toThrow(
			`module "tenant.wasm" is not signed by this project's meter`,
		);

		// The meter also checks the signed hash of the code: a module it made and someone changed
		// afterwards, and a section of ours copied onto other code, are refused.
		const ours = await meter(UNMETERED, "scripted.wasm");
		expect(meterChecksSeal(ours, "scripted.wasm")).toMatchObject({ build: buildId(UNMETERED) });
		const changed = withSection(ours, "extra", "after metering");
		const grafted = withSection(plain, "stateroom.metered", JSON.stringify(meterInfo(ours)));
		for (const [bytes, name] of [
			[changed, "changed.wasm"],
			[grafted, "grafted.wasm"],
		] as const) {
			await expect(meter(bytes, name)).rejects.toThrow(`${name} carries a "stateroom.metered" section`);
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

	it("npm run build:wasm meters in place a module built elsewhere that services/ imports, once, and refuses one metered elsewhere", async () => {
		// A copy with its build/ and meter key (timestamps kept): only the new module has anything to do.
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
			// A module metered by another project fails the build: here, by a copy of the meter in a
			// scratch folder, which makes its own key there (and its public-key module), touching
			// neither this checkout's key and build/ nor the copy's.
			const elsewhere = mkdtempSync(join(tmpdir(), "stateroom-meter-elsewhere-"));
			try {
				for (const dir of ["scripts/build", "src/wasm"]) {
					cpSync(join(PROJECT_ROOT, dir), join(elsewhere, dir), { recursive: true });
				}
				symlinkSync(join(PROJECT_ROOT, "node_modules"), join(elsewhere, "node_modules"));
				writeFileSync(join(elsewhere, "unmetered.wasm"), UNMETERED);
				const meterThere = `import { meterFile } from "./scripts/build/meter.mjs"; await meterFile("unmetered.wasm", "metered.wasm", "elsewhere.wasm");`;
				const { STATEROOM_METER_KEY: _ours, ...env } = process.env;
				await run(NODE, ["--input-type=module", "-e", meterThere], { cwd: elsewhere, env });
				cpSync(join(elsewhere, "metered.wasm"), join(copy.root, "wasm/extra.wasm"));
			} finally {
				rmSync(elsewhere, { recursive: true, force: true });
			}
			const refused = await run(NODE, ["scripts/build-wasm.mjs"], { cwd: copy.root, timeout: 180_000 }).catch(
				(error: { stderr: string }) => error,
			);
			expect(refused.stderr).toContain(
				`wasm/extra.wasm carries a "stateroom.metered" section that this project's meter did not write`,
			);
		} finally {
			copy.remove();
		}
	}, 400_000);
});
