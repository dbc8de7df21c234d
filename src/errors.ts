/**
 * How the Worker and its rooms say no: one error type for refused requests (an HTTP status and
 * a message that says what is wrong and how to fix it), the WebSocket close codes rooms use,
 * and the helpers that fit a message into a close frame or a log line.
 */
import { utf8Decode, utf8Encode } from "./intrinsics.ts";
export class HttpError extends Error {
	readonly status: number;
	readonly headers: Readonly<Record<string, string>>;

	// No parameter properties: the CLI imports this module with Node's type stripping.
	constructor(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
		super(message);
		this.status = status;
		this.headers = headers;
		this.name = "HttpError";
	}

	toResponse(): Response {
		return new Response(`${this.message}\n`, {
			status: this.status,
			headers: { "content-type": "text/plain; charset=utf-8", ...this.headers },
		});
	}
}

/**
 * WebSocket close codes a room sends. 1000-1015 are RFC 6455's; 4000-4999 are left to
 * applications. docs/security.md's "Close codes" table lists the same codes for users, and
 * test/client/close-codes.test.ts states for each whether the client library reconnects (a new
 * code fails that test until it is given a decision).
 */
export const CloseCode = {
	/** A message was larger than the service's `limits.maxMessageBytes`. */
	messageTooBig: 1009,
	/** The service could not start (a module that fails to load, an unregistered service). */
	serviceUnavailable: 1011,
	/** The client sent messages faster than the service's `limits.messagesPerSecond` and `messageBurst`. */
	rateLimited: 4008,
	/** An operator reset the room (admin API): its state is gone; reconnecting joins the fresh room. */
	roomReset: 4010,
	/** An operator deleted the room (admin API). */
	roomDeleted: 4011,
	/**
	 * The room is cooling down: `limits.failureStreak` of its events in a row ran out of fuel or
	 * time, so it refuses clients for `limits.coolDownMs`; the reason says until when. In the
	 * 4500-4999 range, which clients retry (with backoff).
	 */
	coolingDown: 4503,
} as const;

/** A close reason may hold at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export function closeReason(message: string): string {
	const bytes = utf8Encode(message);
	if (bytes.length <= 123) return message;
	return `${utf8Decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "")}...`;
}

/** The message of anything thrown: an Error's message, or the thrown value as text. */
export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
