/**
 * Module checks at load time: every refusal names exactly what is wrong. The fixtures are
 * WAT (test/fixtures/wat), compiled at build time, since workerd cannot compile at run time.
 */
import { describe, expect, it, vi } from "vitest";
import hugeMalloc from "../../build/fixtures/huge-malloc.wasm";
import initializeSends from "../../build/fixtures/initialize-sends.wasm";
import missingRecv from "../../build/fixtures/missing-recv.wasm";
import mutableVersion from "../../build/fixtures/mutable-version.wasm";
import scripted from "../../build/fixtures/scripted.wasm";
import startTraps from "../../build/fixtures/start-traps.wasm";
import unknownImport from "../../build/fixtures/unknown-import.wasm";
import versionNotAddress from "../../build/fixtures/version-not-address.wasm";
import wrongKind from "../../build/fixtures/wrong-kind.wasm";
import wrongParamTypes from "../../build/fixtures/wrong-param-types.wasm";
import wrongProtocol from "../../build/fixtures/wrong-protocol.wasm";
import wrongSignature from "../../build/fixtures/wrong-signature.wasm";
import wrongVersion from "../../build/fixtures/wrong-version.wasm";
import rustCounter from "../../build/wasm/rust-counter.wasm";
import rustRandomness from "../../build/wasm/rust-randomness.wasm";
import probe from "../../build/wasm/signature-probe.wasm";
import { checkModule } from "../../src/wasm/abi.ts";
import { wasmEngine } from "../../src/wasm/module-engine.ts";
import { SIGNATURE_PROBE_IMPORTS } from "../../src/wasm/signature-probe.ts";
import { connect, uniqueRoom } from "./socket.ts";

describe("checkModule", () => {
	it("accepts the Rust examples and the scripted fixture", async () => {
		await expect(checkModule(rustCounter, "rust-counter", probe)).resolves.toBeUndefined();
		await expect(checkModule(rustRandomness, "rust-randomness", probe)).resolves.toBeUndefined();
		await expect(checkModule(scripted, "scripted", probe)).resolves.toBeUndefined();
		// A bad malloc is only seen when an event runs.
		await expect(checkModule(hugeMalloc, "huge-malloc", probe)).resolves.toBeUndefined();
	});

	it.each([
		["missing-recv", missingRecv, 'module "x" does not export "stateroom_recv" (a function (i32, i32) -> ())'],
		[
			"wrong-kind",
			wrongKind,
			'module "x" exports "stateroom_recv" as a global, but it must be a function (i32, i32) -> ()',
		],
		[
			"wrong-signature",
			wrongSignature,
			'module "x": "stateroom_malloc" has the wrong signature (must be (i32) -> i32)',
		],
		[
			"wrong-param-types",
			wrongParamTypes,
			'module "x": "stateroom_recv" has the wrong signature (must be (i32, i32) -> ())',
		],
		[
			"mutable-version",
			mutableVersion,
			'module "x": "STATEROOM_API_VERSION" has the wrong type (must be an immutable i32 global)',
		],
		[
			"wrong-version",
			wrongVersion,
			'module "x" reports ABI version 2; this host runs version 1 (the version is the u32 at the address in STATEROOM_API_VERSION).',
		],
		[
			"wrong-protocol",
			wrongProtocol,
			'module "x" reports ABI protocol 1; this host speaks protocol 0 (bincode) (the protocol is the u32 at the address in STATEROOM_API_PROTOCOL).',
		],
		[
			"version-not-address",
			versionNotAddress,
			'module "x": STATEROOM_API_VERSION holds address 65534, outside its memory (65536 bytes); the global must hold the address of a u32',
		],
		[
			"unknown-import",
			unknownImport,
			'module "x" imports the function "env"."console_log", which the host does not provide',
		],
		["start-traps", startTraps, 'module "x" failed to instantiate: unreachable'],
	])("refuses %s: %s", async (_fixture, module, message) => {
		await expect(checkModule(module, "x", probe)).rejects.toThrow(message);
	});

	it("uses the same probe as the one Node compiles from signature-probe.ts", () => {
		expect(WebAssembly.Module.imports(probe).map((entry) => entry.name)).toEqual([...SIGNATURE_PROBE_IMPORTS]);
	});
});

describe("wasmEngine", () => {
	it("refuses a module whose _initialize calls stateroom_send outside an event", async () => {
		const factory = wasmEngine("init-sends", initializeSends);
		await expect(factory.create({ service: "init-sends", roomId: "r" }, new Map())).rejects.toThrow(
			'module "init-sends": _initialize failed: service "init-sends", room "r": stateroom_send was called outside stateroom_recv',
		);
	});
});

describe("a room whose module cannot start", () => {
	it("closes connecting clients with 1011 and a reason naming the missing export", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-missing-recv/ws/${uniqueRoom()}`);
		expect(await client.closed).toEqual({
			code: 1011,
			reason:
				'service failed to start: module "wasm-missing-recv" does not export "stateroom_recv" (a function (i32, i32) -> ())',
		});
	});

	it("gives the whole refusal in the close reason (at most 123 bytes)", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-wrong-signature/ws/${uniqueRoom()}`);
		expect(await client.closed).toEqual({
			code: 1011,
			reason:
				'service failed to start: module "wasm-wrong-signature": "stateroom_malloc" has the wrong signature (must be (i32) -> i32)',
		});
	});

	it("refuses a placeholder for a module that was not built, with the build's reason", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-unbuilt/ws/${uniqueRoom()}`);
		expect(await client.closed).toEqual({
			code: 1011,
			reason: 'service failed to start: service "wasm-unbuilt" was not built: rustc is missing (a test fixture)',
		});
	});

	it("closes connecting clients with 1011 when instantiation fails", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const client = await connect(`/s/wasm-start-traps/ws/${uniqueRoom()}`);
		expect(await client.closed).toEqual({
			code: 1011,
			reason: 'service failed to start: module "wasm-start-traps" failed to instantiate: unreachable',
		});
	});
});
