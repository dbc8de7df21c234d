/**
 * Compiles WAT with the npm `wabt` package (no download): the host's signature probe
 * (src/wasm/signature-probe.wat -> build/wasm/) and, with `fixtures`, the ABI edge-case
 * fixtures (test/fixtures/wat/*.wat -> build/fixtures/), metered like every guest (the probe is not a
 * guest). `build/fixtures/unmetered.wasm` is scripted.wat left unmetered, for the host's refusal;
 * `build/fixtures/untracked.wasm` is it metered without dirty-page tracking; forged.wat is not
 * metered but given a meter section by hand, as a forger would, for the host's refusal of it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { writeIfChanged } from "./freshness.mjs";
import { buildId, METER_SECTION, METER_VERSION, meter } from "./meter.mjs";
import { concat, uleb } from "./wasm-binary.mjs";

export const name = "WAT (host probe and test fixtures)";

export async function build({ root, fixtures, log, module }) {
	let wabt;
	try {
		wabt = await (await import("wabt")).default();
	} catch (error) {
		throw new Error(
			`cannot load the npm package "wabt" (${error.message}); run \`npm ci\` to install the dev dependencies.`,
		);
	}
	const probe = compile(wabt, join(root, "src/wasm/signature-probe.wat"));
	await checkProbe(root, probe, module);
	// Not a service: said only when it changes.
	const probeWritten = writeIfChanged(join(root, "build/wasm/signature-probe.wasm"), probe);
	report(probeWritten ? module : log, "build/wasm/signature-probe.wasm", probeWritten, probe);
	if (!fixtures) return;

	const dir = join(root, "test/fixtures/wat");
	const sources = readdirSync(dir)
		.filter((file) => file.endsWith(".wat"))
		.sort();
	for (const file of sources) {
		const bytes = compile(wabt, join(dir, file));
		const out = `build/fixtures/${basename(file, ".wat")}.wasm`;
		const metered = file === "forged.wat" ? forge(bytes) : await meter(bytes, file);
		report(module, out, writeIfChanged(join(root, out), metered), metered);
		if (file === "scripted.wat") {
			writeIfChanged(join(root, "build/fixtures/unmetered.wasm"), bytes);
			// As an earlier meter made modules: the host compares its pages instead.
			writeIfChanged(join(root, "build/fixtures/untracked.wasm"), await meter(bytes, file, { dirtyPages: false }));
		}
	}
}

function report(say, path, written, bytes) {
	say(path, written ? `built (${bytes.length} bytes)` : "up to date");
}

/** `bytes` with a meter section written by hand: what the meter writes, but not signed by it. */
function forge(bytes) {
	const claim = { meter: METER_VERSION, build: buildId(bytes), initialBytes: 65_536, code: buildId(bytes) };
	const payload = new TextEncoder().encode(
		JSON.stringify({ ...claim, signature: Buffer.alloc(64).toString("base64") }),
	);
	const name = new TextEncoder().encode(METER_SECTION);
	const body = concat(uleb(name.length), name, payload);
	return Buffer.from(concat(bytes, Uint8Array.of(0), uleb(body.length), body));
}

/** Multi-memory (the meter adds the dirty-page memory to every fixture), bulk memory and table.grow. */
const FEATURES = { mutable_globals: true, bulk_memory: true, multi_memory: true, reference_types: true };

function compile(wabt, path) {
	const source = readFileSync(path, "utf8");
	let module;
	try {
		module = wabt.parseWat(path, source, FEATURES);
		module.validate(FEATURES);
		return Buffer.from(module.toBinary({ write_debug_names: true }).buffer);
	} catch (error) {
		throw new Error(`${path} does not compile: ${error.message}`);
	} finally {
		module?.destroy();
	}
}

/** The host compiles the probe from bytes in Node (signature-probe.ts); both must be the same module. */
async function checkProbe(root, compiled, module) {
	let bytes;
	try {
		({ signatureProbeBytes: bytes } = await import(join(root, "src/wasm/signature-probe.ts")));
	} catch {
		module("build/wasm/signature-probe.wasm", "not compared with signature-probe.ts (this Node cannot import .ts)");
		return;
	}
	// write_debug_names adds a name section to the compiled WAT; compare the sections before it.
	const expected = Buffer.from(bytes());
	if (!compiled.subarray(0, expected.length).equals(expected)) {
		throw new Error(
			"src/wasm/signature-probe.wat and src/wasm/signature-probe.ts describe different modules; make them agree.",
		);
	}
}
