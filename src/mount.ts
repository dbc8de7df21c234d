/**
 * Where Stateroom's routes sit in a Worker: every one of them (the rooms, `/status`, the admin
 * API) under one path prefix, so that they can share a Worker with the deployer's own routes.
 */
import { quoteForLog } from "./log.ts";

/**
 * Segments of letters, digits and `-._~` (the path characters that need no escaping and mean
 * nothing to the router: no `:param`, no `*`).
 */
const PREFIX = /^(?:\/[A-Za-z0-9._~-]+)+$/;

/** The prefix as the routes use it: "" for none, else "/a/b" (no slash at the end). */
export function parsePrefix(prefix: string | undefined): string {
	if (prefix === undefined || prefix === "" || prefix === "/") return "";
	const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
	if (!PREFIX.test(trimmed) || trimmed.split("/").some((segment) => segment === "." || segment === "..")) {
		throw new Error(
			`createStateroom: prefix ${quoteForLog(prefix)} is not a path prefix. ` +
				'Fix: give a path such as "/rooms" or "/api/live": segments of letters, digits and -._~, starting with "/".',
		);
	}
	return trimmed;
}

/** Whether `pathname` is `prefix` itself or below it ("/rooms/ws", not "/roomsx"). */
export function isUnder(pathname: string, prefix: string): boolean {
	return prefix === "" || pathname === prefix || pathname.startsWith(`${prefix}/`);
}
