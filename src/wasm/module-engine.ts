/**
 * Runs a WebAssembly module (Stateroom ABI v1) as a room's engine: one instance per room,
 * its memory and exported mutable globals persisted page by page, and a fresh instance
 * rebuilt from the last checkpoint after any failed event (a trap may leave memory corrupt):
 * from a copy in memory, or, for a module with dirty-page tracking, from storage.
 */
import meterKey from "../../build/wasm/meter-key.wasm";
import probe from "../../build/wasm/signature-probe.wasm";
import type { BudgetShare, Effects, Engine, EngineFactory, ServiceEvent, StateWrites } from "../engine.ts";
import { hostLog } from "../log.ts";
import { describeRoom } from "../naming.ts";
import { checkBuilt, checkModule } from "./abi.ts";
import { Checkpoint, inspectStored, type ModuleIdentity } from "./checkpoint.ts";
import { Guest } from "./guest.ts";
import {
	checkMetered,
	checkSealed,
	type MeterInfo,
	readMeter,
	WASM_LIMIT_DEFAULTS,
	type WasmLimits,
} from "./metering.ts";

/**
 * The engine factory of a WebAssembly service. The module is checked once per isolate, when
 * the first room starts: it must be metered by this project's meter (built or bundled by our
 * tools, which sign it) and follow the ABI; a refusal fails every room's start with its message.
 */
export function wasmEngine(
	name: string,
	module: WebAssembly.Module,
	limits: WasmLimits = WASM_LIMIT_DEFAULTS,
): EngineFactory {
	let checked: Promise<MeterInfo> | undefined;
	// Read once per isolate: every room's start asks (customSections copies the section each time).
	let build: string | null | undefined;
	const check = async () => {
		checkBuilt(module, name);
		// Before anything runs: a module that declares more memory than its limit is never instantiated.
		const meter = checkMetered(module, name, limits);
		await checkSealed(name, meter, meterKey);
		await checkModule(module, name, probe, limits);
		return meter;
	};
	return {
		language: "wasm",
		handlesRequests: false,
		inspect: inspectStored,
		build: () => {
			if (build === undefined) build = readMeter(module)?.build ?? null;
			return build;
		},
		async create(room, stored, reload) {
			checked ??= check();
			const meter = await checked;
			const label = describeRoom(room);
			const guest = await Guest.start(module, name, label, limits);
			const identity: ModuleIdentity = { build: meter.build, onModuleChange: limits.onModuleChange };
			const checkpoint = Checkpoint.resume(guest, stored, identity);
			// A room stored before the limit was lowered cannot even start: say so rather than fail every event.
			guest.checkMemory("as stored");
			guest.started();
			if (checkpoint.resetting) {
				hostLog.warn(
					`[stateroom] ${label}: its state was stored by another build of the module; starting afresh (onModuleChange: "reset")`,
				);
			}
			return new WasmEngine({ module, name, label, limits, identity, reload }, guest, checkpoint);
		},
	};
}

/** What a room's engine needs to start its guest afresh. */
interface GuestSource {
	readonly module: WebAssembly.Module;
	readonly name: string;
	readonly label: string;
	readonly limits: WasmLimits;
	readonly identity: ModuleIdentity;
	/** Reads the room's stored state again, for a rollback without a copy of memory. */
	readonly reload: (() => Promise<ReadonlyMap<string, unknown>>) | undefined;
}

class WasmEngine implements Engine {
	readonly restarted: boolean;
	readonly #source: GuestSource;
	#guest: Guest;
	#checkpoint: Checkpoint;

	constructor(source: GuestSource, guest: Guest, checkpoint: Checkpoint) {
		this.#source = source;
		this.#guest = guest;
		this.#checkpoint = checkpoint;
		this.restarted = checkpoint.resetting;
	}

	run(event: ServiceEvent, effects: Effects, share?: BudgetShare): undefined {
		if (event.kind === "request") throw new Error("a WebAssembly service has no HTTP handler (ABI v1 has none)");
		this.#guest.deliver(event, effects, share);
	}

	checkpoint(): StateWrites {
		return this.#checkpoint.capture(this.#guest);
	}

	async rollback(): Promise<void> {
		const { module, name, label, limits, identity, reload } = this.#source;
		const guest = await Guest.start(module, name, label, limits);
		if (this.#checkpoint.keepsCopy) {
			this.#checkpoint.restoreInto(guest);
		} else {
			// A guest with dirty-page tracking keeps no copy of its memory: storage has the last commit.
			if (!reload) throw new Error("this engine keeps no copy of memory and was given no way to reload it");
			this.#checkpoint = Checkpoint.resume(guest, await reload(), identity);
		}
		guest.started();
		this.#guest = guest;
	}
}
