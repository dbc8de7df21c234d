/**
 * The origin check: a browser always says which page opened a WebSocket (`Origin`), and the
 * browser, not the page, sets it, so refusing foreign origins stops other sites from opening
 * rooms with a visitor's cookies (cross-site WebSocket hijacking).
 *
 * A request with no `Origin` comes from a program, not a browser page. Such a client can send
 * any `Origin` it likes, so an origin check cannot keep it out: it is let through, and a service
 * that must keep programs out requires join tokens (`access.token: "required"`).
 */

import { HttpError } from "../errors.ts";
import { arrayIncludes, regExpTest } from "../intrinsics.ts";
import { quoteForLog } from "../log.ts";
import type { ServiceName } from "../naming.ts";
import type { AccessSettings } from "../settings.ts";

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Throws 403 unless the request's origin may open rooms of `service`. */
export function checkOrigin(request: Request, service: ServiceName, access: AccessSettings): void {
	const origin = request.headers.get("origin");
	if (origin === null || isAllowed(origin, new URL(request.url), access.origins)) return;
	throw new HttpError(
		403,
		`Origin ${quoteForLog(origin)} may not open rooms of service "${service}". Allow it in defineServices: access.origins (e.g. ["${safeExample(origin)}"], or ["*"] for any).`,
	);
}

function isAllowed(origin: string, url: URL, allowed: readonly string[]): boolean {
	if (origin === url.origin || arrayIncludes(allowed, "*") || arrayIncludes(allowed, origin)) return true;
	// Development: a Worker served on loopback (`stateroom dev`) accepts pages from any loopback origin.
	return regExpTest(LOOPBACK_HOST, url.hostname) && isLoopbackOrigin(origin);
}

function isLoopbackOrigin(origin: string): boolean {
	try {
		const parsed = new URL(origin);
		return (parsed.protocol === "http:" || parsed.protocol === "https:") && regExpTest(LOOPBACK_HOST, parsed.hostname);
	} catch {
		return false;
	}
}

/** The origin for the message's example, if it is a plain URL origin; a placeholder otherwise. */
function safeExample(origin: string): string {
	return /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(origin) ? origin : "https://app.example.com";
}
