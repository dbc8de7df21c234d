/**
 * The Host check: a development server answers only requests addressed to a loopback name.
 *
 * A web page can make a developer's browser send requests to 127.0.0.1 under a name of its own
 * (DNS rebinding: `evil.example` first resolves to the attacker, then to 127.0.0.1). Such a
 * request carries `Host: evil.example:<port>` and a matching `Origin`, so the origin check lets
 * it through. Refusing every Host that is not a loopback name (or one the developer allowed)
 * closes that door, as Vite's `server.allowedHosts` does.
 *
 * The check is on only where the `STATEROOM_ALLOWED_HOSTS` var is set: `stateroom dev` and
 * `stateroom serve` always set it (see cli/serving.ts), a deployed Worker only if its
 * configuration does.
 */
import { HttpError } from "../errors.ts";
import { arrayIncludes, regExpTest } from "../intrinsics.ts";
import { quoteForLog } from "../log.ts";

/** The var that turns the check on and lists the names allowed besides loopback ones. */
export const ALLOWED_HOSTS_VAR = "STATEROOM_ALLOWED_HOSTS";

export interface HostCheckEnv {
	/** Comma-separated names (`app.test`), `.suffix` for a domain and its subdomains, or `*` for any. */
	readonly [ALLOWED_HOSTS_VAR]?: string;
}

/** localhost, *.localhost (RFC 6761 keeps them on loopback), 127.0.0.0/8 and [::1]. */
const LOOPBACK_HOST = /^(?:localhost|[a-z0-9.-]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Throws 403 unless the request's host may be served; does nothing where the check is off. */
export function checkHost(request: Request, env: HostCheckEnv | undefined): void {
	const setting = env?.[ALLOWED_HOSTS_VAR];
	if (typeof setting !== "string") return;
	const host = new URL(request.url).hostname.toLowerCase();
	if (isAllowedHost(host, parseAllowedHosts(setting))) return;
	throw new HttpError(
		403,
		`Host ${quoteForLog(host)} is not allowed: this development server answers only loopback names (localhost, 127.0.0.1, [::1], *.localhost), so that a web page cannot reach your rooms by DNS rebinding. To allow it: \`stateroom dev --allowed-hosts ${safeExample(host)}\` (or serve), or add it to ${ALLOWED_HOSTS_VAR} in .dev.vars.`,
	);
}

/** The allowed names of the setting, lower-cased, blanks dropped. */
export function parseAllowedHosts(setting: string): string[] {
	const names: string[] = [];
	for (const part of setting.split(",")) {
		const name = part.trim().toLowerCase();
		if (name !== "") names[names.length] = name;
	}
	return names;
}

/** Whether `host` (a URL's hostname, lower case) is loopback, listed, or under a listed `.suffix`. */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
	if (regExpTest(LOOPBACK_HOST, host) || arrayIncludes(allowed, "*") || arrayIncludes(allowed, host)) return true;
	for (const name of allowed) {
		if (name.startsWith(".") && (host === name.slice(1) || host.endsWith(name))) return true;
	}
	return false;
}

/** The host for the message's example, if it is a plain name; a placeholder otherwise. */
function safeExample(host: string): string {
	return /^[a-z0-9.-]+$/.test(host) ? host : "my-laptop.example";
}
