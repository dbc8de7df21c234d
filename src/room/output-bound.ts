/**
 * Containment: the most one event may send. Messages wait in memory until their event commits
 * (and a broadcast is copied to every socket), so a service that sends without bound in one
 * event would grow the isolate's memory for every room in it. Past `limits.maxOutputBytes` the
 * event fails and rolls back, as if its handler had thrown.
 */
import type { MessagePayload } from "../api/payload.ts";

/** An event sent more than its service's output bound. */
export class OutputBoundError extends Error {
	override readonly name = "OutputBoundError";

	constructor(service: string, sent: number, limit: number) {
		super(
			`the event sent ${sent} bytes or more, over limits.maxOutputBytes (${limit}) per event; ` +
				`send less per event (split it over several events or timers), or raise \`limits.maxOutputBytes\` for "${service}" in defineServices.`,
		);
	}
}

/** The bytes of messages an event has sent so far; refuses the send that would pass the bound. */
export class OutputBound {
	readonly #service: string;
	readonly #limit: number;
	#sent = 0;
	/** Set by the first send past the bound: the event fails even if its handler caught the throw. */
	overflow: OutputBoundError | undefined;

	constructor(service: string, limit: number) {
		this.#service = service;
		this.#limit = limit;
	}

	/** Counts `payload`; throws (and remembers) an `OutputBoundError` if it does not fit. */
	add(payload: MessagePayload): void {
		if (this.overflow) throw this.overflow;
		const room = this.#limit - this.#sent;
		const size = payloadBytes(payload, room);
		if (size > room) {
			this.overflow = new OutputBoundError(this.#service, this.#sent + size, this.#limit);
			throw this.overflow;
		}
		this.#sent += size;
	}
}

/**
 * The payload's size in bytes (text as UTF-8), or a number above `room` as soon as it is known
 * to be larger: a huge text is not counted to the end.
 */
function payloadBytes(payload: MessagePayload, room: number): number {
	if (payload.kind === "bytes") return payload.value.byteLength;
	const text = payload.value;
	// UTF-8 takes at least one byte per UTF-16 unit.
	if (text.length > room) return text.length;
	let bytes = 0;
	for (let index = 0; index < text.length; index++) {
		const unit = text.charCodeAt(index);
		if (unit < 0x80) bytes += 1;
		else if (unit < 0x800) bytes += 2;
		// A surrogate pair (4 bytes in UTF-8) is two units of 2 bytes each.
		else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2;
		else bytes += 3;
	}
	return bytes;
}
