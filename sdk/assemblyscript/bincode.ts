/**
 * The bincode 1.x subset of the Stateroom ABI: little-endian fixed-width integers, enums as a
 * `u32` variant index, strings and byte vectors as a `u64` length and the bytes.
 */

/** Reads values from `ptr..end` in linear memory; throws (the module traps) on truncated input. */
export class Reader {
	/** The byte length of the last `lengthPrefixed()` field. */
	lastLength: usize = 0;

	constructor(
		private ptr: usize,
		private readonly end: usize,
	) {}

	u32(): u32 {
		this.need(4);
		const value = load<u32>(this.ptr);
		this.ptr += 4;
		return value;
	}

	/** A `u64` length prefix and that many bytes: returns their address; `lastLength` holds the length. */
	lengthPrefixed(): usize {
		this.need(8);
		const length = load<u64>(this.ptr);
		this.ptr += 8;
		if (length > <u64>(this.end - this.ptr)) {
			throw new Error(`bincode: a ${length}-byte field runs past the end of the event`);
		}
		const start = this.ptr;
		this.lastLength = <usize>length;
		this.ptr += this.lastLength;
		return start;
	}

	private need(bytes: usize): void {
		if (this.end - this.ptr < bytes) {
			throw new Error(`bincode: the event ends early (${bytes} more bytes expected)`);
		}
	}
}

/** Writes values into an unmanaged buffer of a size computed up front. */
export class Writer {
	private ptr: usize;

	constructor(readonly start: usize) {
		this.ptr = start;
	}

	u32(value: u32): Writer {
		store<u32>(this.ptr, value);
		this.ptr += 4;
		return this;
	}

	u64(value: u64): Writer {
		store<u64>(this.ptr, value);
		this.ptr += 8;
		return this;
	}

	/** Copies `length` bytes from `source`. */
	raw(source: usize, length: usize): Writer {
		memory.copy(this.ptr, source, length);
		this.ptr += length;
		return this;
	}

	/** Encodes a string as UTF-8 in place; lone surrogates become U+FFFD, so the host always gets valid UTF-8. */
	utf8(value: string): Writer {
		this.ptr += String.UTF8.encodeUnsafe(
			changetype<usize>(value),
			value.length,
			this.ptr,
			false,
			String.UTF8.ErrorMode.REPLACE,
		);
		return this;
	}

	get length(): usize {
		return this.ptr - this.start;
	}
}
