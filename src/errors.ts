/**
 * One error type for every request the Worker refuses: it carries the HTTP status and a
 * message that says what is wrong and how to fix it.
 */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
		this.name = "HttpError";
	}

	toResponse(): Response {
		return new Response(`${this.message}\n`, {
			status: this.status,
			headers: { "content-type": "text/plain; charset=utf-8" },
		});
	}
}

/** WebSocket close codes the room uses, in the range RFC 6455 leaves to applications. */
export const CloseCode = {
	/** The service could not start (a module that fails to load, an unregistered service). */
	serviceUnavailable: 1011,
} as const;

/** A close reason may hold at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export function closeReason(message: string): string {
	const bytes = new TextEncoder().encode(message);
	if (bytes.length <= 123) return message;
	return `${new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "")}...`;
}
