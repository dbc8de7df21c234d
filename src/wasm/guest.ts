/**
 * One room's instance of a guest module, and the ABI's event loop: for each event, encode it,
 * `stateroom_malloc`, copy it in, `stateroom_recv`, `stateroom_free`. Commands arrive through
 * `env.stateroom_send` during `stateroom_recv` and go straight to the event's (pending) effects.
 * An instance belongs to exactly one room; after a failed event it is thrown away.
 *
 * Every event runs on a budget (the module is metered when it is built, see metering.ts): the
 * host refills the fuel before each event, and the module's memory limit is an import it reads
 * from its first instruction. Host calls are charged against the same fuel (a fixed cost per
 * call and a cost per byte that crosses), and a command longer than the event's whole output
 * bound is refused before it is copied. An event that runs out of fuel, sends too much, or
 * leaves the memory larger than the service's maximum, fails and is rolled back.
 */

import { type BudgetShare, type Effects, FULL_BUDGET } from "../engine.ts";
import { errorMessage } from "../errors.ts";
import { dateNow, floor, max, utf16leDecode } from "../intrinsics.ts";
import { escapeForLog, hostLog } from "../log.ts";
import { callInitialize, ENV_MODULE, IDENTITY_IMPORT, SEND_IMPORT, WASI_MODULE } from "./abi.ts";
import { decodeCommand, encodeEvent, type GuestEvent } from "./codec.ts";
import { DirtyPages } from "./dirty-pages.ts";
import { IdentityCallError, writeIdentity } from "./identity.ts";
import {
	budgetImports,
	FUEL_EXPORT,
	HOST_BYTE_FUEL,
	HOST_CALL_FUEL,
	RESERVED_EXPORTS,
	type WasmLimits,
} from "./metering.ts";
import { OutputLines, wasiImports } from "./wasi.ts";

type MallocFn = (size: number) => unknown;
type BlockFn = (ptr: number, len: number) => unknown;

/**
 * Room for a command's own encoding around its payload (its kind, recipient and lengths): a
 * command longer than the output bound by more than this can never be sent, and is refused
 * before it is copied.
 */
const COMMAND_HEADER_BYTES = 64;

/** An event that failed inside the guest; the room logs it and rolls back. */
export class GuestError extends Error {
	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = "GuestError";
	}
}

/** An event that used its whole fuel budget: it cost its room (and its neighbours) the most CPU an event may take. */
export class FuelExhausted extends GuestError {
	constructor(message: string) {
		super(message);
		this.name = "FuelExhausted";
	}
}

export class Guest {
	readonly #instance: WebAssembly.Instance;
	readonly #label: string;
	readonly #output: OutputLines;
	readonly #limits: WasmLimits;
	/** The effects of the event being delivered; `undefined` outside `stateroom_recv`. */
	#effects: Effects | undefined;
	/** The first thing that went wrong in a host call during this event. */
	#failure: Error | undefined;
	#eventStartedAt: number | undefined;
	/** The fuel the event being run (or `_initialize`) was given: `limits.fuelPerEvent`, or less (see `deliver`). */
	#budget: number;
	#started = false;
	/** The export the host is running, for errors. */
	#running = "_initialize";
	/** The pages the guest wrote, for a module built with dirty-page tracking (dirty-pages.ts). */
	readonly dirtyPages: DirtyPages | undefined;

	private constructor(instance: WebAssembly.Instance, label: string, output: OutputLines, limits: WasmLimits) {
		this.#instance = instance;
		this.#label = label;
		this.#output = output;
		this.#limits = limits;
		this.#budget = limits.fuelPerEvent;
		this.dirtyPages = DirtyPages.of(instance.exports);
	}

	/**
	 * Instantiates `module` for one room and runs its `_initialize`. `label` names the room in
	 * logs and errors, e.g. `service "counter", room "lobby"`.
	 */
	static async start(module: WebAssembly.Module, name: string, label: string, limits: WasmLimits): Promise<Guest> {
		let guest: Guest | undefined;
		// Host calls during instantiation (the start function's) are charged here, as the
		// instance's own fuel global cannot be reached until instantiation returns.
		let startFuel = limits.fuelPerEvent;
		const charge = (fuel: number, call: string): void => {
			if (guest) {
				guest.charge(fuel, call);
				return;
			}
			startFuel -= fuel;
			if (startFuel < 0) {
				throw new GuestError(
					`module "${name}": its start function used its fuel budget of ${limits.fuelPerEvent} in a call to ${call}; raise limits.fuelPerEvent`,
				);
			}
		};
		const output = new OutputLines(
			(fd, line) => {
				const log = fd === 1 ? hostLog.log : hostLog.error;
				// A guest may print what clients sent it: escaped, so it cannot forge a line.
				log(`[stateroom] ${label} (${fd === 1 ? "stdout" : "stderr"}): ${escapeForLog(line)}`);
			},
			() => charge(HOST_CALL_FUEL, "fd_write"),
		);
		const memory = () => {
			if (!guest) throw new GuestError(`module "${name}" called the host before it was instantiated`);
			return guest.memory();
		};
		const env: Record<string, unknown> = {
			[SEND_IMPORT]: (ptr: number, len: number) => {
				if (!guest) throw new GuestError(`${label}: stateroom_send was called while the module was being instantiated`);
				guest.receiveCommand(ptr, len);
			},
			// Access: the optional identity extension (see identity.ts); v1 guests never import it.
			[IDENTITY_IMPORT]: (client: number, ptr: number, len: number) => {
				if (!guest)
					throw new GuestError(`${label}: stateroom_identity was called while the module was being instantiated`);
				return guest.identity(client, ptr, len);
			},
			// AssemblyScript's default `abort`; not part of the ABI, accepted so that asc's defaults work.
			abort: (message: number, file: number, line: number, column: number) => {
				throw new GuestError(`${label}: the guest aborted: ${readAbort(memory(), message, file, line, column)}`);
			},
		};
		const imports = {
			...budgetImports(limits),
			[ENV_MODULE]: env,
			[WASI_MODULE]: wasiImports(module, {
				memory,
				charge,
				write: (fd, bytes) => output.write(fd, bytes),
				eventStartedAt: () => (guest ? guest.#eventStartedAt : undefined),
				wrote: (ptr, len) => guest?.dirtyPages?.markRange(ptr, len),
			}),
		};
		let instance: WebAssembly.Instance;
		try {
			instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
		} catch (error) {
			throw new GuestError(`module "${name}" failed to instantiate: ${errorMessage(error)}`, { cause: error });
		}
		guest = new Guest(instance, label, output, limits);
		guest.refuel(limits.fuelPerEvent);
		try {
			callInitialize(instance, name);
		} catch (error) {
			throw guest.outOfFuel() ? guest.fuelError("_initialize") : error;
		}
		output.flush();
		guest.checkMemory("after _initialize");
		return guest;
	}

	/** `env.stateroom_identity`: a failed call fails the event, like a bad `stateroom_send`. */
	private identity(client: number, ptr: number, len: number): number {
		this.charge(HOST_CALL_FUEL, IDENTITY_IMPORT);
		try {
			const written = writeIdentity(this.#effects, this.memoryBytes(), client, ptr, len);
			if (written > 0) this.charge(written * HOST_BYTE_FUEL, IDENTITY_IMPORT);
			// The host wrote into the guest's memory when the identity fitted: mark those pages.
			if (written >= 0 && written <= len >>> 0) this.dirtyPages?.markRange(ptr >>> 0, written);
			return written;
		} catch (error) {
			if (!(error instanceof IdentityCallError)) throw error;
			throw new GuestError(`${this.#label}: ${error.message}`);
		}
	}

	/** Marks the end of the room's start (resuming included): from now on failures are events'. */
	started(): void {
		this.#started = true;
	}

	memory(): WebAssembly.Memory {
		return this.#instance.exports.memory as WebAssembly.Memory;
	}

	/** A live view of the memory; invalid after the memory grows. */
	memoryBytes(): Uint8Array {
		return new Uint8Array(this.memory().buffer);
	}

	/** The exported mutable globals' values, by export name. */
	readGlobals(): Record<string, number | bigint> {
		const values: Record<string, number | bigint> = {};
		for (const [name, global] of this.mutableGlobals()) {
			const value: unknown = global.value;
			// Numbers (i32, f32, f64) and BigInts (i64) can be stored; references cannot.
			if (typeof value === "number" || typeof value === "bigint") values[name] = value;
		}
		return values;
	}

	writeGlobals(values: Readonly<Record<string, number | bigint>>): void {
		const globals = new Map(this.mutableGlobals());
		for (const [name, value] of Object.entries(values)) {
			const global = globals.get(name);
			if (global) global.value = value;
		}
	}

	/**
	 * Runs one event through the guest on `share` of `limits.fuelPerEvent` (less while its room
	 * is on a failure streak); throws a `GuestError` if it traps, sends garbage or runs out of fuel.
	 */
	deliver(event: GuestEvent, effects: Effects, share: BudgetShare = FULL_BUDGET): void {
		const bytes = encodeEvent(event);
		const exports = this.#instance.exports;
		this.#effects = effects;
		this.#failure = undefined;
		this.#eventStartedAt = dateNow();
		this.#output.forgetLastError();
		this.refuel(eventFuel(this.#limits.fuelPerEvent, share));
		try {
			const ptr = this.call("stateroom_malloc", () => (exports.stateroom_malloc as MallocFn)(bytes.length));
			if (typeof ptr !== "number") {
				throw new GuestError(`${this.#label}: stateroom_malloc returned ${String(ptr)}, not an i32 address`);
			}
			const address = ptr >>> 0;
			this.checkBounds(
				"stateroom_malloc",
				address,
				bytes.length,
				`returned address ${address} for ${bytes.length} bytes`,
			);
			this.memoryBytes().set(bytes, address);
			this.dirtyPages?.markRange(address, bytes.length);
			this.call("stateroom_recv", () => (exports.stateroom_recv as BlockFn)(address, bytes.length));
			if (this.#failure) throw this.#failure;
			this.call("stateroom_free", () => (exports.stateroom_free as BlockFn)(address, bytes.length));
			this.checkMemory("after the event");
		} finally {
			this.#effects = undefined;
			this.#eventStartedAt = undefined;
			this.#output.flush();
		}
	}

	/** Fills the fuel for one event (the memory limit is an import: it never changes). */
	private refuel(budget: number): void {
		this.#budget = budget;
		this.fuel().value = BigInt(budget);
	}

	private fuel(): WebAssembly.Global {
		return this.#instance.exports[FUEL_EXPORT] as WebAssembly.Global;
	}

	private outOfFuel(): boolean {
		return (this.fuel().value as bigint) < 0n;
	}

	/**
	 * Charges a host call's work against the event's fuel, as the guest's own instructions are;
	 * past the budget the call fails, which unwinds the guest and fails the event.
	 */
	charge(fuel: number, call: string): void {
		const global = this.fuel();
		const left = (global.value as bigint) - BigInt(fuel);
		global.value = left;
		if (left < 0n) throw this.fuelError(this.#running, call);
	}

	private fuelError(where: string, call?: string): GuestError {
		const how =
			call === undefined
				? " (an endless loop?)"
				: `, the last of it in a call to ${call} (each host call costs ${HOST_CALL_FUEL} fuel, plus ${HOST_BYTE_FUEL} per byte it passes)`;
		const full = this.#limits.fuelPerEvent;
		const budget = this.#budget;
		if (budget < full) {
			// A room on a failure streak: the cut, not the limit, is what this event ran into.
			return new FuelExhausted(
				`${this.#label}: ${where} used its fuel budget of ${budget}${how}; the budget was cut from ` +
					`limits.fuelPerEvent (${full}) because the room's events keep running out of fuel or time, ` +
					"and an event that succeeds restores it",
			);
		}
		return new FuelExhausted(
			`${this.#label}: ${where} used its fuel budget of ${full} per event${how}; ` +
				"raise limits.fuelPerEvent if the work is meant to take that long",
		);
	}

	/**
	 * Fails the event if the memory outgrew the service's maximum. The meter already makes such
	 * a `memory.grow` return -1, and a module that declares too much is refused before it runs;
	 * this also holds for a room stored before its limit was lowered.
	 */
	checkMemory(when: string): void {
		const size = this.memory().buffer.byteLength;
		if (size <= this.#limits.maxMemoryBytes) return;
		const problem =
			`memory is ${size} bytes ${when}, over limits.maxMemoryBytes ` +
			`(${this.#limits.maxMemoryBytes}); raise the limit if the service needs that much`;
		// Before the first event it is the room's start that fails: its close reason (123 bytes)
		// has no room for the room's label, and the room logs which room it was.
		throw new GuestError(this.#started ? `${this.#label}: the guest's ${problem}` : `the module's ${problem}`);
	}

	/** `env.stateroom_send`: copies the command out (the guest frees it on return) and applies it. */
	private receiveCommand(ptr: number, len: number): void {
		try {
			const effects = this.#effects;
			if (!effects) {
				throw new GuestError(
					`${this.#label}: stateroom_send was called outside stateroom_recv; commands belong to an event`,
				);
			}
			const address = ptr >>> 0;
			const length = len >>> 0;
			this.charge(HOST_CALL_FUEL + length * HOST_BYTE_FUEL, SEND_IMPORT);
			const bound = this.#limits.maxOutputBytes;
			if (length > bound + COMMAND_HEADER_BYTES) {
				throw new GuestError(
					`${this.#label}: stateroom_send was given a command of ${length} bytes, over limits.maxOutputBytes (${bound}), ` +
						"the most an event may send; send less per event (split it over several), or raise the limit",
				);
			}
			this.checkBounds("stateroom_send", address, length, `was given ${length} bytes at address ${address}`);
			const command = decodeCommand(this.memoryBytes().slice(address, address + length));
			if (command.kind === "setTimer") effects.setTimer(command.ms);
			else effects.send(command.recipient, command.payload);
		} catch (error) {
			const failure =
				error instanceof GuestError ? error : new GuestError(`${this.#label}: stateroom_send: ${errorMessage(error)}`);
			this.#failure ??= failure;
			// Unwinds the guest: the event fails, and the instance is replaced on rollback.
			throw failure;
		}
	}

	private checkBounds(where: string, address: number, length: number, what: string): void {
		const size = this.memory().buffer.byteLength;
		if (address === 0 && length > 0) {
			throw new GuestError(`${this.#label}: ${where} ${what}: address 0 is the null pointer (did an allocation fail?)`);
		}
		if (address + length > size) {
			throw new GuestError(`${this.#label}: ${where} ${what}, outside the guest's memory (${size} bytes)`);
		}
	}

	/** Calls into the guest; a trap becomes a `GuestError` that names the export. */
	private call<T>(exportName: string, run: () => T): T {
		this.#running = exportName;
		try {
			return run();
		} catch (error) {
			if (this.#failure) throw this.#failure;
			if (error instanceof GuestError) throw error;
			if (this.outOfFuel()) throw this.fuelError(exportName);
			this.#output.flush();
			const said = this.#output.lastError;
			const why = said === undefined ? "" : ` (its last stderr line: ${said})`;
			throw new GuestError(`${this.#label}: ${exportName} trapped: ${errorMessage(error)}${why}`, { cause: error });
		}
	}

	private *mutableGlobals(): Iterable<[string, WebAssembly.Global]> {
		for (const [name, value] of Object.entries(this.#instance.exports)) {
			if (RESERVED_EXPORTS.has(name)) continue;
			if (value instanceof WebAssembly.Global && isMutable(value)) yield [name, value];
		}
	}
}

/** WebAssembly.Global has no mutability flag without type reflection: try writing it back. */
function isMutable(global: WebAssembly.Global): boolean {
	try {
		const value: unknown = global.value;
		global.value = value;
		return true;
	} catch {
		return false;
	}
}

/** AssemblyScript's `abort(message, file, line, column)`: strings are UTF-16 with their byte length before them. */
function readAbort(memory: WebAssembly.Memory, message: number, file: number, line: number, column: number): string {
	const read = (ptr: number): string => {
		if (ptr < 4 || ptr > memory.buffer.byteLength) return "?";
		const length = new DataView(memory.buffer).getUint32(ptr - 4, true);
		if (ptr + length > memory.buffer.byteLength) return "?";
		return utf16leDecode(new Uint8Array(memory.buffer, ptr, length));
	};
	return `${read(message)} at ${read(file)}:${line}:${column}`;
}

/** The fuel of an event run on `share` of the full budget: at least 1, at most the whole. */
function eventFuel(full: number, share: BudgetShare): number {
	if (!(share > 0 && share < 1)) return full;
	return max(1, floor(full * share));
}
