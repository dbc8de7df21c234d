/**
 * The meter (scripts/build/meter.mjs) in Node: it keeps a module's ABI exactly as it was and
 * only adds the host's reserved exports and its section; it is idempotent; and
 * `npm run build:wasm` meters, in place, a module built elsewhere that services/ imports.
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
	MEMORY_LIMIT_EXPORT,
	meter,
	meterInfo,
} from "../../scripts/build/meter.mjs";
import { checkModule } from "../../src/wasm/abi.ts";
import { checkMetered, WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { NODE } from "./cli-process.ts";
import { PROJECT_ROOT } from "./dev-server.ts";
import { copyProject } from "./project-copy.ts";

const run = promisify(execFile);
/** scripted.wat as wabt compiles it, never metered. */
const UNMETERED = readFileSync(join(PROJECT_ROOT, "build/fixtures/unmetered.wasm"));

const shape = (module: WebAssembly.Module) => ({
	exports: WebAssembly.Module.exports(module),
	imports: WebAssembly.Module.imports(module),
});

describe("meter", () => {
	it("keeps every export and import, adds only the reserved globals and the dirty-page memory, and records the build", async () => {
		const metered = await meter(UNMETERED, "scripted.wasm");
		const before = shape(await WebAssembly.compile(UNMETERED));
		const after = shape(await WebAssembly.compile(metered));
		expect(after.imports).toEqual(before.imports);
		expect(after.exports).toEqual([
			...before.exports,
			{ name: "stateroom_dirty_pages", kind: "memory" },
			{ name: FUEL_EXPORT, kind: "global" },
			{ name: MEMORY_LIMIT_EXPORT, kind: "global" },
		]);
		expect(meterInfo(metered)).toEqual({ meter: 1, build: buildId(UNMETERED) });
		const module = await WebAssembly.compile(metered);
		await expect(checkModule(module, "scripted.wasm")).resolves.toBeUndefined();
		expect(checkMetered(module, "scripted.wasm").build).toMatch(/^[0-9a-f]{64}$/);
		// Metering a metered module changes nothing.
		expect(await meter(metered)).toBe(metered);
		// The fuel a module starts with (for its start function) is the documented default budget.
		expect(INITIAL_FUEL).toBe(BigInt(WASM_LIMIT_DEFAULTS.fuelPerEvent));
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
			expect(meterInfo(metered)).toEqual({ meter: 1, build: buildId(UNMETERED) });
			// A second build leaves it as it is.
			const again = await run(NODE, ["scripts/build-wasm.mjs"], { cwd: copy.root, timeout: 180_000 });
			expect(again.stdout).not.toContain("metered in place");
			expect(readFileSync(join(copy.root, "wasm/extra.wasm")).equals(metered)).toBe(true);
		} finally {
			copy.remove();
		}
	}, 400_000);
});
