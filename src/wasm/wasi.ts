/**
 * The subset of `wasi_snapshot_preview1` a Stateroom guest gets: what upstream's host gives
 * (no args, no environment, no files; real clocks and randomness), with output to fd 1 and
 * 2 logged under the room's name (through `WasiHost.write`). Every other WASI function answers ENOSYS, so a module
 * that merely imports one (Rust's std imports several) still loads.
 *
 * Every call costs fuel (`WasiHost.charge`): HOST_CALL_FUEL, plus HOST_BYTE_FUEL for each byte
 * it reads from or writes to the guest's memory, charged before the work is done; and each
 * line of output costs another HOST_CALL_FUEL, since the host handles it line by line.
 */

import { dateNow, getRandomValues, min, performanceNow, round, utf8Decode } from "../intrinsics.ts";
import { WASI_MODULE } from "./abi.ts";
import { HOST_BYTE_FUEL, HOST_CALL_FUEL } from "./meter-contract.mjs";

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_FAULT = 21;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const CLOCK_PROCESS_CPUTIME = 2;
const CLOCK_THREAD_CPUTIME = 3;
/** Workers' clocks advance in milliseconds (and only across I/O); say so through clock_res_get. */
const CLOCK_RESOLUTION_NS = 1_000_000n;
/** crypto.getRandomValues fills at most 65,536 bytes per call. */
const RANDOM_CHUNK = 65_536;

/**
 * A guest that busy-waits on the clock (upstream's cpu-hog example) blocks its room for every
 * client; the host contains it by failing the event once it has watched the clock for longer
 * than this, as seen through its own clock reads.
 */
export const CLOCK_WATCH_LIMIT_MS = 3000;
/**
 * Deployed Workers' clocks stand still while code runs (they advance only across I/O, a
 * Spectre mitigation), so there a busy-wait never sees time pass: after this many reads of a
 * clock that has not moved, the event fails too, instead of spinning until the CPU limit.
 */
export const FROZEN_CLOCK_READS = 100_000;

/** Thrown by a clock read that shows a busy-wait: it unwinds the guest and fails the event. */
export class BusyWait extends Error {
	constructor(what: string) {
		super(`the guest ${what}: a busy-wait blocks the room for every client; use a timer (SetTimer) instead`);
		this.name = "BusyWait";
	}
}

/** Thrown by `proc_exit`: it unwinds the guest and fails the event. */
export class ProcExit extends Error {
	readonly code: number;

	constructor(code: number) {
		super(`the guest called proc_exit(${code}); a Stateroom service must not exit`);
		this.name = "ProcExit";
		this.code = code;
	}
}

/** What WASI functions need from the guest they serve. */
export interface WasiHost {
	/** The guest's memory; read at each call, since memory.grow replaces the buffer. */
	memory(): WebAssembly.Memory;
	/**
	 * Takes bytes the guest wrote to stdout (fd 1) or stderr (fd 2): a view of its memory, valid
	 * during the call only (copy what you keep).
	 */
	write(fd: 1 | 2, bytes: Uint8Array): void;
	/** Charges fuel for a call's work; throws (failing the event) once the budget is spent. */
	charge(fuel: number, call: string): void;
	/** When the event being delivered started (`Date.now()`), or `undefined` between events. */
	eventStartedAt(): number | undefined;
	/** Told of every write into the guest's memory (for dirty-page tracking). */
	wrote(ptr: number, len: number): void;
}

type WasiFunction = (...args: never[]) => number | undefined;

/** The WASI import object for `module`: one function for each WASI function it imports. */
export function wasiImports(module: WebAssembly.Module, host: WasiHost): Record<string, WasiFunction> {
	const known = implementations(host);
	const imports: Record<string, WasiFunction> = {};
	for (const entry of WebAssembly.Module.imports(module)) {
		if (entry.module !== WASI_MODULE || entry.kind !== "function") continue;
		const call = entry.name;
		const implementation = known[call] ?? (() => ERRNO_NOSYS);
		imports[call] = (...args: never[]) => {
			host.charge(HOST_CALL_FUEL, call);
			return implementation(...args);
		};
	}
	return imports;
}

/** Longest line a guest may put in the log, in bytes; the rest of a longer line is counted, never copied. */
export const MAX_LOG_LINE_BYTES = 1024;
/** Lines a guest may log per event (or per start-up); the rest are counted in one closing line. */
export const MAX_LOG_LINES_PER_EVENT = 100;

/** One stream's unfinished line: at most MAX_LOG_LINE_BYTES of it, and how many bytes were cut. */
interface PendingLine {
	bytes: Uint8Array;
	length: number;
	cut: number;
}

/**
 * A guest's stdout and stderr, cut into lines for the log. A guest is hostile: what it may
 * write is bounded per line and per event, so it can neither flood the log nor grow the
 * host's memory with a line that never ends. Bytes past a line's bound are counted, never
 * copied nor decoded; only lines that are logged (or remembered as the last stderr line) are.
 */
export class OutputLines {
	readonly #pending = new Map<1 | 2, PendingLine>();
	readonly #emit: (fd: 1 | 2, line: string) => void;
	readonly #onLine: () => void;
	#lines = 0;
	#suppressed = 0;
	#lastError: Uint8Array | undefined;

	/**
	 * @param emit logs one line.
	 * @param onLine is told of every line the guest ends while writing (not at `flush`): the
	 *   host charges for it, and may throw to stop a flood of tiny lines.
	 */
	constructor(emit: (fd: 1 | 2, line: string) => void, onLine: () => void = () => {}) {
		this.#emit = emit;
		this.#onLine = onLine;
	}

	/** The last non-blank stderr line: a Rust panic or an AssemblyScript abort says why it trapped there. */
	get lastError(): string | undefined {
		return this.#lastError === undefined ? undefined : utf8Decode(this.#lastError).trim();
	}

	/** Forgets the last stderr line (at the start of an event). */
	forgetLastError(): void {
		this.#lastError = undefined;
	}

	/** Takes bytes written to `fd`; keeps none of `bytes` itself past the call. */
	write(fd: 1 | 2, bytes: Uint8Array): void {
		let start = 0;
		for (;;) {
			const end = bytes.indexOf(0x0a, start);
			if (end === -1) {
				this.append(fd, bytes, start, bytes.length);
				return;
			}
			this.append(fd, bytes, start, end);
			this.#onLine();
			this.endLine(fd);
			start = end + 1;
		}
	}

	/** Ends the event: emits unfinished lines, and says how many lines were left out. */
	flush(): void {
		for (const [fd, line] of this.#pending) if (line.length > 0 || line.cut > 0) this.endLine(fd);
		if (this.#suppressed > 0) {
			this.#emit(2, `... ${this.#suppressed} more lines not logged (at most ${MAX_LOG_LINES_PER_EVENT} per event)`);
		}
		this.#lines = 0;
		this.#suppressed = 0;
	}

	private append(fd: 1 | 2, bytes: Uint8Array, start: number, end: number): void {
		let line = this.#pending.get(fd);
		if (line === undefined) {
			line = { bytes: new Uint8Array(MAX_LOG_LINE_BYTES), length: 0, cut: 0 };
			this.#pending.set(fd, line);
		}
		const kept = min(end - start, MAX_LOG_LINE_BYTES - line.length);
		line.bytes.set(bytes.subarray(start, start + kept), line.length);
		line.length += kept;
		line.cut += end - start - kept;
	}

	private endLine(fd: 1 | 2): void {
		const line = this.#pending.get(fd) ?? { bytes: new Uint8Array(0), length: 0, cut: 0 };
		const kept = line.bytes.subarray(0, line.length);
		const cut = line.cut;
		if (fd === 2 && !isBlank(kept)) this.#lastError = kept.slice();
		line.length = 0;
		line.cut = 0;
		if (this.#lines >= MAX_LOG_LINES_PER_EVENT) {
			this.#suppressed += 1;
			return;
		}
		this.#lines += 1;
		this.#emit(fd, utf8Decode(kept) + (cut > 0 ? ` ... (${cut} more bytes)` : ""));
	}
}

/** Whether a line holds nothing but spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array): boolean {
	for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
	return true;
}

function implementations(host: WasiHost): Record<string, WasiFunction> {
	const view = () => new DataView(host.memory().buffer);
	const bytes = () => new Uint8Array(host.memory().buffer);
	const inBounds = (ptr: number, len: number) => ptr >= 0 && len >= 0 && ptr + len <= host.memory().buffer.byteLength;
	const zeroPair =
		(call: string) =>
		(countPtr: number, sizePtr: number): number => {
			if (!inBounds(countPtr, 4) || !inBounds(sizePtr, 4)) return ERRNO_FAULT;
			host.charge(8 * HOST_BYTE_FUEL, call);
			view().setUint32(countPtr, 0, true);
			view().setUint32(sizePtr, 0, true);
			host.wrote(countPtr, 4);
			host.wrote(sizePtr, 4);
			return ERRNO_SUCCESS;
		};
	let lastTime = -1n;
	let sameReads = 0;
	/** Charges for the bytes a call passes (its fixed cost is charged by `wasiImports`). */
	const pass = (bytes: number, call: string) => host.charge(bytes * HOST_BYTE_FUEL, call);
	return {
		fd_write(fd: number, iovs: number, iovsLen: number, writtenPtr: number): number {
			if (fd !== 1 && fd !== 2) return ERRNO_BADF;
			if (!inBounds(iovs, iovsLen * 8) || !inBounds(writtenPtr, 4)) return ERRNO_FAULT;
			pass(iovsLen * 8, "fd_write");
			let written = 0;
			for (let index = 0; index < iovsLen; index++) {
				const ptr = view().getUint32(iovs + index * 8, true);
				const len = view().getUint32(iovs + index * 8 + 4, true);
				if (!inBounds(ptr, len)) return ERRNO_FAULT;
				// Charged before it is read: the log keeps only a bounded part of it (OutputLines).
				pass(len, "fd_write");
				host.write(fd, bytes().subarray(ptr, ptr + len));
				written += len;
			}
			view().setUint32(writtenPtr, written, true);
			host.wrote(writtenPtr, 4);
			return ERRNO_SUCCESS;
		},
		random_get(ptr: number, len: number): number {
			if (!inBounds(ptr, len)) return ERRNO_FAULT;
			pass(len, "random_get");
			for (let offset = 0; offset < len; offset += RANDOM_CHUNK) {
				getRandomValues(bytes().subarray(ptr + offset, ptr + min(len, offset + RANDOM_CHUNK)));
			}
			host.wrote(ptr, len);
			return ERRNO_SUCCESS;
		},
		clock_time_get(id: number, _precision: bigint, timePtr: number): number {
			const now = clockNow(id);
			if (now === undefined) return ERRNO_INVAL;
			if (!inBounds(timePtr, 8)) return ERRNO_FAULT;
			pass(8, "clock_time_get");
			sameReads = now === lastTime ? sameReads + 1 : 0;
			lastTime = now;
			if (sameReads >= FROZEN_CLOCK_READS) {
				sameReads = 0;
				throw new BusyWait(`read the clock ${FROZEN_CLOCK_READS} times while it stood still`);
			}
			const started = host.eventStartedAt();
			if (started !== undefined && dateNow() - started > CLOCK_WATCH_LIMIT_MS) {
				throw new BusyWait(`kept reading the clock for over ${CLOCK_WATCH_LIMIT_MS} ms in one event`);
			}
			view().setBigUint64(timePtr, now, true);
			host.wrote(timePtr, 8);
			return ERRNO_SUCCESS;
		},
		clock_res_get(id: number, resPtr: number): number {
			if (clockNow(id) === undefined) return ERRNO_INVAL;
			if (!inBounds(resPtr, 8)) return ERRNO_FAULT;
			pass(8, "clock_res_get");
			view().setBigUint64(resPtr, CLOCK_RESOLUTION_NS, true);
			host.wrote(resPtr, 8);
			return ERRNO_SUCCESS;
		},
		environ_sizes_get: zeroPair("environ_sizes_get"),
		args_sizes_get: zeroPair("args_sizes_get"),
		environ_get: () => ERRNO_SUCCESS,
		args_get: () => ERRNO_SUCCESS,
		sched_yield: () => ERRNO_SUCCESS,
		proc_exit(code: number): never {
			throw new ProcExit(code);
		},
	};
}

/** Nanoseconds on the given WASI clock, or `undefined` for an unknown clock. */
function clockNow(id: number): bigint | undefined {
	switch (id) {
		case CLOCK_REALTIME:
			return BigInt(dateNow()) * 1_000_000n;
		case CLOCK_MONOTONIC:
		case CLOCK_PROCESS_CPUTIME:
		case CLOCK_THREAD_CPUTIME:
			return BigInt(round(performanceNow() * 1_000_000));
		default:
			return undefined;
	}
}
