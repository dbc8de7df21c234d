/**
 * What a service changes about its room's connections during an event: clients it closes and
 * connection states it sets. Held back like its messages, checked as they are asked for (so the
 * handler gets the error), and applied only if the event succeeds.
 */
import type { ClientId } from "../api/client-id.ts";
import { CloseCode } from "../errors.ts";
import {
	arrayIncludes,
	jsonStringify,
	ownValue,
	reflectGetOwnPropertyDescriptor,
	SafeMap,
	utf8Encode,
} from "../intrinsics.ts";
import { closeClient, connectionStateOf, socketOf, storeConnectionState } from "./sockets.ts";

/** The most a connection's state may take, as UTF-8 JSON: it lives in the socket's attachment. */
export const MAX_CONNECTION_STATE_BYTES = 1024;

/** A close reason may hold at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
const MAX_CLOSE_REASON_BYTES = 123;

export interface CloseRequest {
	readonly code: number;
	readonly reason: string;
}

/** Stateroom's own close codes: a client takes them to mean what Stateroom means by them. */
const RESERVED_CODES: readonly number[] = Object.values(CloseCode);

/**
 * A close code a service may send (1000, or an application's 4000-4999 but Stateroom's own),
 * with its reason.
 */
export function checkClose(code: unknown = 1000, reason: unknown = ""): CloseRequest {
	if (typeof code !== "number" || !Number.isInteger(code) || (code !== 1000 && (code < 4000 || code > 4999))) {
		throw new RangeError(
			`ctx.close: close code ${String(code)} is not one a service may send. Use 1000 (a normal close) or an application code from 4000 to 4999; the others are the WebSocket protocol's.`,
		);
	}
	if (arrayIncludes(RESERVED_CODES, code)) {
		throw new RangeError(
			`ctx.close: close code ${code} is Stateroom's own (see the close codes in docs/security.md), and clients take it to mean that. Pick another code from 4000 to 4999.`,
		);
	}
	if (typeof reason !== "string") throw new TypeError(`ctx.close: the reason must be a string, not ${typeof reason}.`);
	const bytes = utf8Encode(reason).length;
	if (bytes > MAX_CLOSE_REASON_BYTES) {
		throw new RangeError(
			`ctx.close: the reason takes ${bytes} bytes of UTF-8; a close frame holds at most ${MAX_CLOSE_REASON_BYTES}. Shorten it.`,
		);
	}
	return { code, reason };
}

/**
 * A connection state as stored: its JSON, or `undefined` to clear it. Throws a TypeError for
 * anything but plain JSON data (so what is read back is what was set) and a RangeError past
 * {@link MAX_CONNECTION_STATE_BYTES}.
 */
export function encodeConnectionState(state: unknown): string | undefined {
	if (state === undefined) return undefined;
	checkPlainData(state, "state", { left: MAX_CONNECTION_STATE_BYTES }, 0);
	const json = jsonStringify(state);
	const bytes = utf8Encode(json).length;
	if (bytes > MAX_CONNECTION_STATE_BYTES) throw stateTooLarge(`${bytes} bytes`);
	return json;
}

function stateTooLarge(size: string): RangeError {
	return new RangeError(
		`ctx.connection(client).state takes ${size} as JSON; a connection's state holds at most ${MAX_CONNECTION_STATE_BYTES} (it travels with the client's WebSocket). Keep larger data in the service's fields, keyed by client.`,
	);
}

/** How deep a state may nest: deeper data would be over the size bound anyway. */
const MAX_DEPTH = 64;

/**
 * Walks `value`, refusing what JSON would change or drop. `budget.left` counts values down: each
 * takes at least one byte of JSON, so a walk never visits more values than the bound allows.
 */
function checkPlainData(value: unknown, path: string, budget: { left: number }, depth: number): void {
	budget.left -= 1;
	if (budget.left < 0) throw stateTooLarge("more values than fit");
	if (depth > MAX_DEPTH) throw stateTooLarge(`more than ${MAX_DEPTH} levels of nesting, more than fit`);
	switch (typeof value) {
		case "string":
		case "boolean":
			return;
		case "number":
			if (Number.isFinite(value)) return;
			throw notPlain(path, String(value));
		case "object":
			break;
		default:
			throw notPlain(path, `a ${typeof value}`);
	}
	if (value === null) return;
	const prototype = Object.getPrototypeOf(value);
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) checkPlainData(value[i], `${path}[${i}]`, budget, depth + 1);
		return;
	}
	if (prototype !== Object.prototype && prototype !== null) {
		throw notPlain(path, `a ${(prototype as { constructor?: { name?: string } }).constructor?.name ?? "class"} object`);
	}
	for (const key of Reflect.ownKeys(value)) {
		if (typeof key === "symbol") throw notPlain(path, "an object with a symbol key");
		const descriptor = reflectGetOwnPropertyDescriptor(value, key);
		if (!descriptor?.enumerable) continue;
		if (!("value" in descriptor)) throw notPlain(`${path}.${key}`, "a getter");
		checkPlainData(ownValue(value, key), `${path}.${key}`, budget, depth + 1);
	}
}

function notPlain(path: string, what: string): TypeError {
	return new TypeError(
		`ctx.connection(client).state: ${path} is ${what}, which JSON cannot keep as it is. A connection's state holds plain JSON data: objects, arrays, strings, finite numbers, booleans and null.`,
	);
}

/** One event's changes to connections, last write per client winning. */
export class ConnectionChanges {
	readonly #closes = new SafeMap<ClientId, CloseRequest>();
	readonly #states = new SafeMap<ClientId, string | undefined>();

	close(client: ClientId, request: CloseRequest): void {
		if (!this.#closes.has(client)) this.#closes.set(client, request);
	}

	setState(client: ClientId, json: string | undefined): void {
		this.#states.set(client, json);
	}

	/** The state this event set for `client`: `{ json }`, or `undefined` if it set none. */
	stateSet(client: ClientId): { json: string | undefined } | undefined {
		return this.#states.has(client) ? { json: this.#states.get(client) } : undefined;
	}

	get empty(): boolean {
		return this.#closes.size === 0 && this.#states.size === 0;
	}

	/**
	 * Applies the changes to the room's sockets: states first (a client closed in the same event
	 * keeps it until it leaves), then closes. `closed` hears each client closed here; a client
	 * that has left meanwhile is skipped.
	 */
	apply(sockets: readonly WebSocket[], closed: (client: ClientId, state: string | undefined) => void): void {
		for (const [client, json] of this.#states) {
			const socket = socketOf(sockets, client);
			if (socket) storeConnectionState(socket, json);
		}
		for (const [client, { code, reason }] of this.#closes) {
			const socket = socketOf(sockets, client);
			if (!socket) continue;
			const state = connectionStateOf(socket);
			closeClient(socket, code, reason);
			closed(client, state);
		}
	}
}
