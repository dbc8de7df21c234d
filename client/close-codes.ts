/**
 * Which close codes are worth reconnecting after. A retry cannot fix a refusal (bad credentials,
 * a message the server will never accept), so those end the connection; everything that smells
 * of a network fault, a restart or an overloaded or failing server is retried with backoff.
 */

/** How a connection ended, as the close event reported it. */
export interface CloseInfo {
	readonly code: number;
	readonly reason: string;
	readonly wasClean: boolean;
}

/**
 * Codes that mean "do not come back": the server ended the session on purpose or refused the
 * client. 1000 is here because a server that closes normally meant it; a client closing itself
 * never reconnects anyway.
 */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
	1000, // Normal closure: the server ended the session on purpose.
	1002, // Protocol error: the client speaks the protocol wrongly; a retry repeats it.
	1003, // Unsupported data: a message type the server will never accept.
	1007, // Invalid payload data (e.g. text that is not UTF-8).
	1008, // Policy violation: authentication or authorisation failed.
	1009, // Message too big: resending the queue would send it again.
	1010, // Mandatory extension missing.
]);

/** Application codes 4000-4499 mean "refused, do not retry"; 4500-4999 mean "transient, retry". */
export const TERMINAL_APP_CODES = { from: 4000, to: 4499 } as const;

/**
 * Stateroom's own codes in 4000-4499 that are still worth a retry: 4010, an operator reset the
 * room; it is still there, fresh, and reconnecting joins it.
 */
export const RETRIED_APP_CODES: ReadonlySet<number> = new Set([4010]);

/**
 * The default reconnection policy: retry unless the code is in {@link TERMINAL_CLOSE_CODES} or
 * in 4000-4499 (except {@link RETRIED_APP_CODES}). Retried, among others: 1001 going away, 1005
 * no status, 1006 abnormal closure (the network dropped or the server stopped), Stateroom's 4010
 * room reset (reconnecting joins the fresh room), 1011 internal error (Stateroom's "service failed
 * to start"), 1012 service restart, 1013 try again later, 1014 bad gateway, 4500-4999 (among
 * them Stateroom's 4503: the room is cooling down after its events kept failing; until it ends,
 * each attempt is closed again with 4503, so the backoff grows to its cap while the room rests).
 *
 * @example
 * shouldReconnect({ code: 1006, reason: "", wasClean: false }); // true
 * shouldReconnect({ code: 1008, reason: "bad token", wasClean: true }); // false
 */
export function shouldReconnect(close: CloseInfo): boolean {
	if (TERMINAL_CLOSE_CODES.has(close.code)) return false;
	if (RETRIED_APP_CODES.has(close.code)) return true;
	if (close.code >= TERMINAL_APP_CODES.from && close.code <= TERMINAL_APP_CODES.to) return false;
	return true;
}
