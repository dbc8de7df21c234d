/**
 * Where a room lives: a full URL, or a host plus a room id (and optionally a service), which
 * maps to the Worker's routes `/ws/:room` and `/s/:service/ws/:room`.
 */

/** A room's endpoint given by its parts rather than by URL. */
export interface RoomEndpointParts {
	/** Host and optional port, without a scheme: `"rooms.example.com"`, `"127.0.0.1:8787"`. */
	readonly host: string;
	/** The room id: any non-empty string; it is percent-encoded into the path. */
	readonly room: string;
	/** A registered service name; omitted for the deployment's default service. */
	readonly service?: string;
	/** `wss:` when true, `ws:` when false. Default: `ws:` for loopback hosts, `wss:` for all others. */
	readonly secure?: boolean;
}

/**
 * Where a client connects: a full URL (`ws:`, `wss:`, or `http:`/`https:`, which map to them) or
 * {@link RoomEndpointParts}. (The server's own name for a room, service plus room id, is a
 * different thing: this one also says which host to reach.)
 */
export type RoomEndpoint = string | URL | RoomEndpointParts;

/** Query parameters added to the URL; `undefined` and `null` values are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined>>;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * The WebSocket URL of a room.
 *
 * @example
 * roomUrl({ host: "127.0.0.1:8787", room: "lobby/1" }).href; // "ws://127.0.0.1:8787/ws/lobby%2F1"
 * roomUrl({ host: "rooms.example.com", service: "chat", room: "a" }).href; // "wss://rooms.example.com/s/chat/ws/a"
 * roomUrl("https://rooms.example.com/ws/a").href; // "wss://rooms.example.com/ws/a"
 */
export function roomUrl(endpoint: RoomEndpoint): URL {
	if (typeof endpoint === "string" || endpoint instanceof URL) return parseUrl(endpoint);
	return partsUrl(endpoint);
}

/** `url` with `params` set in its query string (a copy; existing parameters of other names stay). */
export function withParams(url: URL, params: QueryParams | undefined): URL {
	const next = new URL(url);
	for (const [name, value] of Object.entries(params ?? {})) {
		if (value === undefined || value === null) next.searchParams.delete(name);
		else next.searchParams.set(name, String(value));
	}
	return next;
}

function parseUrl(input: string | URL): URL {
	let url: URL;
	try {
		// A relative URL ("/ws/lobby") is resolved against the page in a browser.
		url = new URL(input, globalThis.location?.href);
	} catch {
		throw new TypeError(
			`Invalid room URL "${String(input)}": give a full URL such as "wss://host/ws/room", or { host, room }.`,
		);
	}
	if (url.protocol === "http:") url.protocol = "ws:";
	else if (url.protocol === "https:") url.protocol = "wss:";
	if (url.protocol !== "ws:" && url.protocol !== "wss:") {
		throw new TypeError(`Invalid room URL "${url.href}": the scheme must be ws:, wss:, http: or https:.`);
	}
	// Fragments are not allowed in WebSocket URLs (the constructor throws on them).
	url.hash = "";
	return url;
}

function partsUrl(parts: RoomEndpointParts): URL {
	const { host, room, service } = parts;
	if (typeof host !== "string" || host.length === 0 || host.includes("/")) {
		throw new TypeError(
			`Invalid room host "${host}": give a host and optional port without a scheme or path, e.g. "rooms.example.com" or "127.0.0.1:8787".`,
		);
	}
	if (typeof room !== "string" || room.length === 0) {
		throw new TypeError('Invalid room id: it is empty. Give the room as a non-empty string, e.g. { room: "lobby" }.');
	}
	if (service !== undefined && (service.length === 0 || service.includes(":"))) {
		throw new TypeError(
			`Invalid service name "${service}": it must be a non-empty registered service name without ":"; omit it for the default service.`,
		);
	}
	const secure = parts.secure ?? !LOOPBACK.test(host);
	const path = service === undefined ? "" : `/s/${encodeURIComponent(service)}`;
	return parseUrl(`${secure ? "wss" : "ws"}://${host}${path}/ws/${encodeURIComponent(room)}`);
}
