/**
 * Containment of an HTTP request's body: it is read whole before the request becomes an event
 * of the room (so a slow sender never holds the room's queue), and only up to the service's
 * `limits.maxMessageBytes`: a larger one is refused with 413 without being read any further.
 */
import { HttpError } from "../errors.ts";

/** The refusal of a body over `limit` bytes (`size`: its declared size, when it says one). */
export type BodyTooLarge = (size: number | undefined, limit: number) => HttpError;

/**
 * The body of `request`, or `null` for none; the `refuse` error (413 for a room's request) past
 * `limit` bytes, read no further than that.
 */
export async function readBoundedBody(
	request: Request,
	limit: number,
	refuse: BodyTooLarge = tooLarge,
): Promise<Uint8Array | null> {
	if (request.body === null) return null;
	checkDeclaredSize(request, limit, refuse);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel().catch(() => {});
			throw refuse(undefined, limit);
		}
		chunks.push(value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return body;
}

/** A 413 for a body whose `Content-Length` is over `limit`: refused before anything is read. */
export function checkDeclaredSize(request: Request, limit: number, refuse: BodyTooLarge = tooLarge): void {
	const declared = request.headers.get("content-length");
	if (declared !== null && Number(declared) > limit) throw refuse(Number(declared), limit);
}

function tooLarge(size: number | undefined, limit: number): HttpError {
	const what = size === undefined ? "more than" : `${size} bytes; the limit is`;
	return new HttpError(
		413,
		`The request body is ${what} ${limit} bytes (the service's limits.maxMessageBytes). Send less, or raise the limit in defineServices.`,
	);
}
