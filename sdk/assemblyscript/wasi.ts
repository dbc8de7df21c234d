/**
 * The few WASI functions the SDK needs, and the handlers asc's `--use abort=` and `--use
 * seed=` point at (see asconfig.json): a Stateroom host provides `wasi_snapshot_preview1`
 * but no `env.abort`, and logs what a guest writes to fd 2.
 */

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLength: usize, written: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buffer: usize, length: usize): u16;

const STDERR: u32 = 2;

/** Writes a line to stderr, which the host logs. Best effort: a failed write is ignored. */
export function writeStderr(line: string): void {
	const bytes = String.UTF8.encode(line + "\n", false, String.UTF8.ErrorMode.REPLACE);
	const iovec = memory.data(16);
	store<usize>(iovec, changetype<usize>(bytes));
	store<usize>(iovec, <usize>bytes.byteLength, sizeof<usize>());
	fd_write(STDERR, iovec, 1, iovec + 2 * sizeof<usize>());
}

let aborting = false;

/**
 * Replaces asc's `env.abort` import: logs the error (a `throw`, a failed assertion, an
 * out-of-bounds access) to stderr, then traps, so the host fails the event and rolls back.
 */
// @ts-ignore: decorator
@global
export function stateroomAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
	// A failure while reporting a failure (out of memory, say) must not recurse.
	if (!aborting) {
		aborting = true;
		const what = message !== null ? message : "(no message)";
		const where = fileName !== null ? fileName : "?";
		writeStderr(`AssemblyScript service aborted: ${what} at ${where}:${line}:${column}`);
		aborting = false;
	}
	unreachable();
}

/** Replaces asc's `env.seed` import: seeds `Math.random` from the host's randomness. */
// @ts-ignore: decorator
@global
export function stateroomSeed(): f64 {
	const buffer = memory.data(8);
	random_get(buffer, 8);
	return reinterpret<f64>(load<u64>(buffer));
}
