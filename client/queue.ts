/**
 * The messages sent while the socket is not open, held in order until it opens again. It is
 * bounded by count and by bytes; a message that does not fit is refused (the ones already
 * queued keep their places, so the order the server sees never has a hole in the middle).
 */

/** What `send()` accepts: text, or bytes. */
export type Outgoing = string | ArrayBuffer | ArrayBufferView;

/** Bounds of the send queue. Either may be `Infinity`; `maxMessages: 0` disables queueing. */
export interface QueueOptions {
	/** Most messages held at once. Default 1000. */
	readonly maxMessages?: number;
	/** Most bytes held at once (text counts as its UTF-8 length). Default 1 MiB. */
	readonly maxBytes?: number;
}

export const DEFAULT_QUEUE = { maxMessages: 1000, maxBytes: 1024 * 1024 } as const satisfies Required<QueueOptions>;

/** Why a message was refused: which bound it would have passed. */
export type OverflowReason = "messages" | "bytes";

export type EnqueueResult = { readonly ok: true } | { readonly ok: false; readonly reason: OverflowReason };

const encoder = new TextEncoder();

/** The size of a message on the wire, in bytes. */
export function byteLength(data: Outgoing): number {
	return typeof data === "string" ? encoder.encode(data).byteLength : data.byteLength;
}

export class SendQueue {
	readonly maxMessages: number;
	readonly maxBytes: number;
	#items: Outgoing[] = [];
	#bytes = 0;

	constructor(options: QueueOptions = {}) {
		this.maxMessages = options.maxMessages ?? DEFAULT_QUEUE.maxMessages;
		this.maxBytes = options.maxBytes ?? DEFAULT_QUEUE.maxBytes;
		if (!(this.maxMessages >= 0) || !(this.maxBytes >= 0)) {
			throw new RangeError(
				`Invalid queue bounds { maxMessages: ${this.maxMessages}, maxBytes: ${this.maxBytes} }: both must be non-negative (Infinity for no bound).`,
			);
		}
	}

	get size(): number {
		return this.#items.length;
	}

	get bytes(): number {
		return this.#bytes;
	}

	/** Adds `data` at the end, or refuses it when a bound would be passed. */
	push(data: Outgoing): EnqueueResult {
		const size = byteLength(data);
		if (this.#items.length + 1 > this.maxMessages) return { ok: false, reason: "messages" };
		if (this.#bytes + size > this.maxBytes) return { ok: false, reason: "bytes" };
		// Copy bytes: the caller may reuse its buffer before the queue is flushed.
		this.#items.push(typeof data === "string" ? data : copyBytes(data));
		this.#bytes += size;
		return { ok: true };
	}

	/** Removes and returns every queued message, oldest first. */
	drain(): Outgoing[] {
		const items = this.#items;
		this.#items = [];
		this.#bytes = 0;
		return items;
	}
}

function copyBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
	if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
	return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
