/**
 * The per-client and per-room limits a room enforces itself (the Worker cannot count a room's
 * clients or a client's messages): room size, message size and message rate. Each refusal
 * names the limit, its value and the setting that changes it.
 */

import type { ClientId } from "../api/client-id.ts";
import { CloseCode, closeReason, HttpError } from "../errors.ts";
import { dateNow, max, min, SafeMap } from "../intrinsics.ts";
import type { ServiceName } from "../naming.ts";
import type { ServiceLimits } from "../settings.ts";

/** A close code and reason to end a client's connection with. */
export interface Refusal {
	readonly code: number;
	readonly reason: string;
}

/** 503 before the upgrade when the room already holds `maxClients` clients. */
export function checkRoomSize(connected: number, limits: ServiceLimits, service: ServiceName): void {
	if (connected < limits.maxClients) return;
	throw new HttpError(
		503,
		`Room full: it has ${connected} clients, the most service "${service}" allows (limits.maxClients = ${limits.maxClients} in defineServices). Try another room or later.`,
		{ "retry-after": "5" },
	);
}

/** A token bucket: `tokens` left as of `at` (ms), refilled at the service's rate up to its burst. */
interface Bucket {
	tokens: number;
	at: number;
}

/**
 * Checks each message of each client against the size and rate limits. Buckets live in memory:
 * a room that hibernated has been idle, so its clients' buckets would be full anyway.
 */
export class MessageGuard {
	readonly #buckets = new SafeMap<ClientId, Bucket>();

	/** The refusal for this message, or `undefined` to let it through (and count it). */
	check(client: ClientId, data: string | ArrayBuffer, limits: ServiceLimits, now = dateNow()): Refusal | undefined {
		const tooBig =
			typeof data === "string" ? utf8Exceeds(data, limits.maxMessageBytes) : data.byteLength > limits.maxMessageBytes;
		if (tooBig) {
			return {
				code: CloseCode.messageTooBig,
				reason: closeReason(
					`message over limits.maxMessageBytes (${limits.maxMessageBytes} bytes), set in defineServices`,
				),
			};
		}
		if (!this.take(client, limits, now)) {
			return {
				code: CloseCode.rateLimited,
				reason: closeReason(
					`over limits.messagesPerSecond (${limits.messagesPerSecond}, burst ${limits.messageBurst}), set in defineServices`,
				),
			};
		}
		return undefined;
	}

	forget(client: ClientId): void {
		this.#buckets.delete(client);
	}

	private take(client: ClientId, limits: ServiceLimits, now: number): boolean {
		if (limits.messagesPerSecond === Number.POSITIVE_INFINITY) return true;
		let bucket = this.#buckets.get(client);
		if (bucket === undefined) {
			bucket = { tokens: limits.messageBurst, at: now };
			this.#buckets.set(client, bucket);
		}
		// Updated in place: this runs on every message.
		const refilled = min(
			limits.messageBurst,
			bucket.tokens + (max(0, now - bucket.at) / 1000) * limits.messagesPerSecond,
		);
		const allowed = refilled >= 1;
		bucket.tokens = allowed ? refilled - 1 : refilled;
		bucket.at = now;
		return allowed;
	}
}

/**
 * Whether `text` takes more than `limit` bytes in UTF-8: counted without encoding, and stopping
 * early, so a huge message costs no more than the limit to measure.
 */
function utf8Exceeds(text: string, limit: number): boolean {
	// Each UTF-16 unit is at most 3 bytes: a short string cannot be over the limit (most messages).
	if (text.length * 3 <= limit) return false;
	// Each unit is at least 1 byte.
	if (text.length > limit) return true;
	let bytes = 0;
	for (let index = 0; index < text.length && bytes <= limit; index++) {
		const unit = text.charCodeAt(index);
		if (unit < 0x80) bytes += 1;
		else if (unit < 0x800) bytes += 2;
		else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
			// A surrogate pair: 4 bytes for both units.
			bytes += 4;
			index += 1;
		} else bytes += 3;
	}
	return bytes > limit;
}
