/**
 * Per-service settings, declared next to the service in `defineServices`, and the defaults
 * that fill in whatever a deployment leaves out. Every room of a service runs with the same
 * resolved settings; one service's settings never apply to another.
 */

import { jsonStringify } from "./intrinsics.ts";
import type { ServiceName } from "./naming.ts";
import { type ModuleChange, WASM_LIMIT_DEFAULTS } from "./wasm/metering.ts";

/** Bounds on what one room of the service, and each of its clients, may use. */
export interface ServiceLimits {
	/** WebAssembly: fuel per event, about one unit per instruction run; default 200,000,000. */
	readonly fuelPerEvent: number;
	/**
	 * WebAssembly: the most memory a room's module may have, in bytes: all its memories and
	 * tables together (a table element counts for 64 bytes), from its start function on; a
	 * module that declares more is refused before it runs. Default 16 MiB.
	 */
	readonly maxMemoryBytes: number;
	/**
	 * The most bytes of messages one event may send (each send counted once, whatever the
	 * number of recipients; text as UTF-8). An event that sends more fails and is rolled back,
	 * like a trap or a throw. Default 4 MiB (4 194 304).
	 */
	readonly maxOutputBytes: number;
	/**
	 * TypeScript: the most a room's stored state may take, in bytes (see docs/security.md,
	 * "Containment"); an event after which it would be larger fails. Default 4 MiB.
	 */
	readonly maxStateBytes: number;
	/**
	 * TypeScript: how long an event's handler may take to settle, in milliseconds; an event
	 * still pending then fails, and the room moves on. Default 5000.
	 */
	readonly eventDeadlineMs: number;
	/**
	 * Clients connected to one room at once; one more is refused before the upgrade with
	 * 503 and a reason. Default 1000.
	 */
	readonly maxClients: number;
	/**
	 * Largest message a client may send, in bytes (text counts as UTF-8). A larger one closes
	 * the client's socket with 1009 and a reason. Default 1 MiB (1 048 576).
	 */
	readonly maxMessageBytes: number;
	/**
	 * Messages per second each client may send on average (a token bucket refilled at this
	 * rate); a client over it is closed with 4008. `Infinity` turns the limit off. Default 100.
	 */
	readonly messagesPerSecond: number;
	/** How many messages a client may send at once above the average (the bucket's size). Default 200. */
	readonly messageBurst: number;
	/**
	 * Events in a row that may run out of fuel (WebAssembly), miss their deadline (TypeScript) or
	 * busy-wait on the clock before the room cools down: its clients are closed with 4503, new
	 * ones refused with 4503 for `coolDownMs`, its queued events dropped. Any event that succeeds
	 * ends the streak. Default 3.
	 */
	readonly failureStreak: number;
	/**
	 * After such a failure, how long the room waits before its next event, in milliseconds, so
	 * that other rooms get the CPU while it fails. Default 100.
	 */
	readonly failureBackoffMs: number;
	/** How long a room cools down after `failureStreak` failures in a row, in milliseconds. Default 60 000. */
	readonly coolDownMs: number;
}

/** Who may open the service's rooms. */
export interface AccessSettings {
	/**
	 * Browser origins allowed besides the Worker's own (`"https://app.example.com"`), or `["*"]`
	 * for any. A Worker reached at localhost, 127.0.0.1 or [::1] (`stateroom dev`) also accepts
	 * every loopback origin. Requests with no `Origin` header (non-browser clients) are not
	 * origin-checked: require tokens to keep them out. Default `[]`: same origin only.
	 */
	readonly origins: readonly string[];
	/** `"required"`: every client must present a signed join token. Default `"none"`. */
	readonly token: "none" | "required";
	/** The Worker secret (binding) that holds the token signing key. Default `"STATEROOM_TOKEN_SECRET"`. */
	readonly secretName: string;
}

/**
 * When an event's state changes reach storage, relative to its messages:
 * - `"strict"` (default): a message leaves only once the state it reports is stored;
 * - `"relaxed"`: messages leave at once, and the changes of the events of the last
 *   {@link RELAXED_FLUSH_MS} ms are written together; a crash of the machine in that window
 *   loses them (docs/services.md, "Durability", says what is and is not lost).
 */
export type Durability = "strict" | "relaxed";

/** How long a relaxed room gathers its events' writes before storing them together. */
export const RELAXED_FLUSH_MS = 100;

/** What a deployment may say about a service; every field is optional. */
export interface ServiceSettings {
	readonly limits?: Partial<ServiceLimits>;
	/** WebAssembly: a room whose state another build of the module stored; default "refuse". */
	readonly onModuleChange?: ModuleChange;
	readonly access?: Partial<AccessSettings>;
	/** See {@link Durability}. Default `"strict"`. */
	readonly durability?: Durability;
}

/** Settings with every default filled in: what rooms actually run with. */
export interface ResolvedSettings {
	readonly limits: Readonly<ServiceLimits>;
	readonly onModuleChange: ModuleChange;
	readonly access: Readonly<AccessSettings>;
	readonly durability: Durability;
}

export const DEFAULT_LIMITS: Readonly<ServiceLimits> = {
	fuelPerEvent: WASM_LIMIT_DEFAULTS.fuelPerEvent,
	maxMemoryBytes: WASM_LIMIT_DEFAULTS.maxMemoryBytes,
	maxOutputBytes: WASM_LIMIT_DEFAULTS.maxOutputBytes,
	maxStateBytes: 4 * 1024 * 1024,
	eventDeadlineMs: 5000,
	maxClients: 1000,
	maxMessageBytes: 1024 * 1024,
	messagesPerSecond: 100,
	messageBurst: 200,
	failureStreak: 3,
	failureBackoffMs: 100,
	coolDownMs: 60_000,
};

export const DEFAULT_ACCESS: Readonly<AccessSettings> = {
	origins: [],
	token: "none",
	secretName: "STATEROOM_TOKEN_SECRET",
};

/** Fills in the defaults; throws with the service's name when a setting is out of range. */
export function resolveSettings(service: ServiceName, settings: ServiceSettings = {}): ResolvedSettings {
	const limits = { ...DEFAULT_LIMITS, ...settings.limits };
	const onModuleChange = settings.onModuleChange ?? WASM_LIMIT_DEFAULTS.onModuleChange;
	checkInteger(service, "limits.fuelPerEvent", limits.fuelPerEvent, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.maxMemoryBytes", limits.maxMemoryBytes, 65_536, 4 * 1024 ** 3);
	checkInteger(service, "limits.maxOutputBytes", limits.maxOutputBytes, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.maxStateBytes", limits.maxStateBytes, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.eventDeadlineMs", limits.eventDeadlineMs, 1, 2 ** 31 - 1);
	checkInteger(service, "limits.failureStreak", limits.failureStreak, 1, 1000);
	checkInteger(service, "limits.failureBackoffMs", limits.failureBackoffMs, 0, 60_000);
	checkInteger(service, "limits.coolDownMs", limits.coolDownMs, 1, 24 * 60 * 60 * 1000);
	if (onModuleChange !== "refuse" && onModuleChange !== "reset") {
		throw new Error(
			`Service "${service}": onModuleChange is ${jsonStringify(onModuleChange)}; use "refuse" or "reset".`,
		);
	}
	checkAccessLimits(service, limits);
	const durability = settings.durability ?? "strict";
	if (durability !== "strict" && durability !== "relaxed") {
		throw new Error(
			`Service "${service}" has durability ${jsonStringify(durability)}; use "strict" (the default) or "relaxed".`,
		);
	}
	return { limits, onModuleChange, access: resolveAccess(service, settings.access), durability };
}

function checkInteger(service: ServiceName, setting: string, value: unknown, min: number, max: number): void {
	if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return;
	throw new Error(`Service "${service}": ${setting} is ${String(value)}; use a whole number from ${min} to ${max}.`);
}

/** Room size, message size and message rate. */
function checkAccessLimits(service: ServiceName, limits: ServiceLimits): void {
	checkInteger(service, "limits.maxClients", limits.maxClients, 1, Number.MAX_SAFE_INTEGER);
	checkInteger(service, "limits.maxMessageBytes", limits.maxMessageBytes, 1, Number.MAX_SAFE_INTEGER);
	if (typeof limits.messagesPerSecond !== "number" || !(limits.messagesPerSecond > 0)) {
		throw new Error(
			`Service "${service}": limits.messagesPerSecond is ${String(limits.messagesPerSecond)}; use a number above 0 (Infinity for no limit).`,
		);
	}
	if (typeof limits.messageBurst !== "number" || !(limits.messageBurst >= 1)) {
		throw new Error(`Service "${service}": limits.messageBurst is ${String(limits.messageBurst)}; use 1 or more.`);
	}
}

function resolveAccess(service: ServiceName, given: Partial<AccessSettings> = {}): AccessSettings {
	const access = { ...DEFAULT_ACCESS, ...given };
	if (access.token !== "none" && access.token !== "required") {
		throw new Error(`Service "${service}": access.token is ${jsonStringify(access.token)}; use "none" or "required".`);
	}
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(access.secretName)) {
		throw new Error(
			`Service "${service}": access.secretName is ${jsonStringify(access.secretName)}; use the name of a Worker secret (letters, digits and _).`,
		);
	}
	for (const origin of access.origins) checkOrigin(service, origin);
	return access;
}

/** An allowed origin is `*` or exactly what browsers send: scheme, host and port, no path. */
function checkOrigin(service: ServiceName, origin: string): void {
	if (origin === "*") return;
	let parsed: URL | undefined;
	try {
		parsed = new URL(origin);
	} catch {
		parsed = undefined;
	}
	if (parsed === undefined || parsed.origin !== origin) {
		throw new Error(
			`Service "${service}": access.origins holds ${jsonStringify(origin)}, which is not an origin; write it as a browser sends it, e.g. "https://app.example.com" (no path, no trailing slash), or "*" for any.`,
		);
	}
}
