/**
 * Runs a WebAssembly module (Stateroom ABI v1) as a room's engine: one instance per room,
 * its memory and exported mutable globals persisted page by page, and a fresh instance
 * rebuilt from the last checkpoint after any failed event (a trap may leave memory corrupt).
 */
import probe from "../../build/wasm/signature-probe.wasm";
import type { Effects, Engine, EngineFactory, ServiceEvent, StateWrites } from "../engine.ts";
import { describeRoom } from "../naming.ts";
import { checkBuilt, checkModule } from "./abi.ts";
import { Guest } from "./guest.ts";
import { checkMetered, type MeterInfo, readMeter, WASM_LIMIT_DEFAULTS, type WasmLimits } from "./metering.ts";
import { Checkpoint, inspectStored } from "./snapshot.ts";

/**
 * The engine factory of a WebAssembly service. The module is checked once per isolate, when
 * the first room starts: it must be metered (built or bundled by our tools) and follow the
 * ABI; a refusal fails every room's start with its message.
 */
export function wasmEngine(
	name: string,
	module: WebAssembly.Module,
	limits: WasmLimits = WASM_LIMIT_DEFAULTS,
): EngineFactory {
	let checked: Promise<MeterInfo> | undefined;
	const check = async () => {
		checkBuilt(module, name);
		const meter = checkMetered(module, name);
		await checkModule(module, name, probe);
		return meter;
	};
	return {
		kind: "wasm",
		inspect: inspectStored,
		build: () => readMeter(module)?.build ?? null,
		async create(room, stored) {
			checked ??= check();
			const { build } = await checked;
			const label = describeRoom(room);
			const guest = await Guest.start(module, name, label, limits);
			const checkpoint = Checkpoint.resume(guest, stored, { build, onModuleChange: limits.onModuleChange });
			// A room stored before the limit was lowered cannot even start: say so rather than fail every event.
			guest.checkMemory("as stored");
			guest.started();
			if (checkpoint.resetting) {
				console.warn(
					`[stateroom] ${label}: its state was stored by another build of the module; starting afresh (onModuleChange: "reset")`,
				);
			}
			return new WasmEngine(module, name, label, limits, guest, checkpoint);
		},
	};
}

class WasmEngine implements Engine {
	readonly #module: WebAssembly.Module;
	readonly #name: string;
	readonly #label: string;
	readonly #limits: WasmLimits;
	#guest: Guest;
	readonly #checkpoint: Checkpoint;

	constructor(
		module: WebAssembly.Module,
		name: string,
		label: string,
		limits: WasmLimits,
		guest: Guest,
		checkpoint: Checkpoint,
	) {
		this.#module = module;
		this.#name = name;
		this.#label = label;
		this.#limits = limits;
		this.#guest = guest;
		this.#checkpoint = checkpoint;
	}

	async run(event: ServiceEvent, effects: Effects): Promise<void> {
		this.#guest.deliver(event, effects);
	}

	checkpoint(): StateWrites {
		return this.#checkpoint.capture(this.#guest);
	}

	async rollback(): Promise<void> {
		const guest = await Guest.start(this.#module, this.#name, this.#label, this.#limits);
		this.#checkpoint.restoreInto(guest);
		guest.started();
		this.#guest = guest;
	}
}
