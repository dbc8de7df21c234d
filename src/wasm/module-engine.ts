/**
 * Runs a WebAssembly module (Stateroom ABI v1) as a room's engine: one instance per room,
 * its memory and exported mutable globals persisted page by page, and a fresh instance
 * rebuilt from the last checkpoint after any failed event (a trap may leave memory corrupt).
 */
import probe from "../../build/wasm/signature-probe.wasm";
import type { Effects, Engine, EngineFactory, ServiceEvent, StateWrites } from "../engine.ts";
import { describeRoom } from "../naming.ts";
import { checkModule } from "./abi.ts";
import { Guest } from "./guest.ts";
import { Checkpoint } from "./snapshot.ts";

/**
 * The engine factory of a WebAssembly service. The module is checked against the ABI once
 * per isolate, when the first room starts; a refusal fails every room's start with its message.
 */
export function wasmEngine(name: string, module: WebAssembly.Module): EngineFactory {
	let checked: Promise<void> | undefined;
	return {
		async create(room, stored) {
			checked ??= checkModule(module, name, probe);
			await checked;
			const label = describeRoom(room);
			const guest = await Guest.start(module, name, label);
			return new WasmEngine(module, name, label, guest, Checkpoint.resume(guest, stored));
		},
	};
}

class WasmEngine implements Engine {
	readonly #module: WebAssembly.Module;
	readonly #name: string;
	readonly #label: string;
	#guest: Guest;
	readonly #checkpoint: Checkpoint;

	constructor(module: WebAssembly.Module, name: string, label: string, guest: Guest, checkpoint: Checkpoint) {
		this.#module = module;
		this.#name = name;
		this.#label = label;
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
		const guest = await Guest.start(this.#module, this.#name, this.#label);
		this.#checkpoint.restoreInto(guest);
		this.#guest = guest;
	}
}
