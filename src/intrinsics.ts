/**
 * The built-ins the host relies on, taken once when this module is evaluated: before any service
 * module runs, because the library's entry module (src/public.ts) imports it first, and a Worker's
 * entry module (app/worker.ts) imports the library before its services.
 *
 * Bundled TypeScript services share the isolate, and so its globals, with the host and with each
 * other. They are the operator's own, trusted code: nothing here stops one from patching a
 * global. What this module does is keep the host from depending on the globals: host code calls
 * only the versions captured here, so a service that replaces `JSON.stringify`, freezes
 * `Date.now` or patches `WebSocket.prototype.send` changes its own behaviour, not the host's
 * (rooms, limits, origins, delivery and bookkeeping of every other service). Nothing of the
 * user's is frozen or replaced here.
 */

const { apply, getOwnPropertyDescriptor, defineProperty, ownKeys } = Reflect;
const { hasOwn: objectHasOwn, freeze } = Object;

export const {
	get: reflectGet,
	set: reflectSet,
	deleteProperty: reflectDeleteProperty,
	defineProperty: reflectDefineProperty,
	getOwnPropertyDescriptor: reflectGetOwnPropertyDescriptor,
} = Reflect;

/** `value[key]` if it is an own property, `undefined` otherwise: how the host reads untrusted objects. */
export function ownValue(value: unknown, key: PropertyKey): unknown {
	return typeof value === "object" && value !== null && objectHasOwn(value, key)
		? (value as Record<PropertyKey, unknown>)[key]
		: undefined;
}

/** `this`-taking methods, called through the captured `Reflect.apply`. */
function method<This, Args extends unknown[], Result>(
	fn: (this: This, ...args: Args) => Result,
): (self: This, ...args: Args) => Result {
	return (self, ...args) => apply(fn, self, args);
}

// WebSockets: delivery, closing, and each socket's client in its attachment. Typed here rather
// than from the Workers types, so that the CLI (which imports src/ modules under Node) compiles.
// Node 20 has no global WebSocket: the CLI, which never sends, still loads there (`stateroom init`).
interface SocketMethods {
	send(this: WebSocket, data: string | ArrayBuffer | ArrayBufferView): void;
	close(this: WebSocket, code?: number, reason?: string): void;
	accept(this: WebSocket): void;
	serializeAttachment(this: WebSocket, value: unknown): void;
	deserializeAttachment(this: WebSocket): unknown;
}
const socketPrototype = (typeof WebSocket === "function" ? WebSocket.prototype : {}) as unknown as SocketMethods;
export const socketSend = method(socketPrototype.send);
export const socketClose = method(socketPrototype.close);
export const socketAccept = method(socketPrototype.accept);
export const serializeAttachment = method(socketPrototype.serializeAttachment);
export const deserializeAttachment = method(socketPrototype.deserializeAttachment);

// JSON: stored state, identities, directory entries.
export const jsonStringify: typeof JSON.stringify = JSON.stringify;
export const jsonParse: typeof JSON.parse = JSON.parse;

// Time: rate limits, timers, statistics.
export const dateNow: () => number = Date.now;
const performanceNowFn = performance.now;
export function performanceNow(): number {
	return apply(performanceNowFn, performance, []);
}

// Dates in log lines and close reasons (when a room's cool-down ends).
const DateClass = Date;
const dateToISOString = method(DateClass.prototype.toISOString);
export function isoTime(ms: number): string {
	return dateToISOString(new DateClass(ms));
}

// Math.
export const { floor, ceil, round, min, max, imul } = Math;

// Arrays and strings the host calls on untrusted data and in its bookkeeping.
const arrayPrototype = Array.prototype;
export const arrayIncludes = method(arrayPrototype.includes as <T>(this: readonly T[], value: T) => boolean);
export const arrayFilter = method(
	arrayPrototype.filter as <T>(this: readonly T[], predicate: (value: T) => boolean) => T[],
);
export const arrayMap = method(arrayPrototype.map as <T, U>(this: readonly T[], fn: (value: T) => U) => U[]);
export const arrayPush = method(arrayPrototype.push as <T>(this: T[], value: T) => number);
export const stringIncludes = method(String.prototype.includes as (this: string, search: string) => boolean);
export const regExpTest = method(RegExp.prototype.test as (this: RegExp, text: string) => boolean);

// UTF-8.
const encoder = new TextEncoder();
const encodeFn = TextEncoder.prototype.encode;
export function utf8Encode(text: string): Uint8Array {
	return apply(encodeFn, encoder, [text]);
}
const decodeFn = TextDecoder.prototype.decode;
const utf8Decoder = new TextDecoder();
const strictUtf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf16leDecoder = new TextDecoder("utf-16le");
/** UTF-8 to text, invalid sequences replaced by U+FFFD. */
export function utf8Decode(bytes: ArrayBuffer | ArrayBufferView): string {
	return apply(decodeFn, utf8Decoder, [bytes]);
}
/** UTF-8 to text; throws on invalid UTF-8, keeps a leading BOM. */
export function strictUtf8Decode(bytes: ArrayBuffer | ArrayBufferView): string {
	return apply(decodeFn, strictUtf8Decoder, [bytes]);
}
export function utf16leDecode(bytes: ArrayBuffer | ArrayBufferView): string {
	return apply(decodeFn, utf16leDecoder, [bytes]);
}

// Crypto: the admin secret's comparison, and WASI's random bytes.
const subtle = crypto.subtle;
const digestFn = subtle.digest;
// A Workers extension of SubtleCrypto (absent under Node, where nothing calls it).
const timingSafeEqualFn = (subtle as unknown as { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean })
	.timingSafeEqual;
const getRandomValuesFn = crypto.getRandomValues;
export function sha256(bytes: Uint8Array): Promise<ArrayBuffer> {
	return apply(digestFn, subtle, ["SHA-256", bytes]);
}
export function timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
	return apply(timingSafeEqualFn, subtle, [a, b]);
}
export function getRandomValues(bytes: Uint8Array): Uint8Array {
	return apply(getRandomValuesFn, crypto, [bytes]);
}

/**
 * `Map`, `Set` and `WeakMap` whose methods are the ones captured here: each class's prototype
 * holds its own copies of the built-in methods, so patching `Map.prototype.get` does not reach
 * the host's maps (the technique of Node's "primordials").
 */
function makeSafe<T extends { prototype: object }>(unsafe: { prototype: object }, safe: T): T {
	for (const key of ownKeys(unsafe.prototype)) {
		if (key === "constructor") continue;
		const descriptor = getOwnPropertyDescriptor(unsafe.prototype, key);
		if (descriptor) defineProperty(safe.prototype, key, descriptor);
	}
	freeze(safe.prototype);
	return safe;
}

export const SafeMap = makeSafe(
	Map,
	class SafeMap<K, V> extends Map<K, V> {
		constructor(entries?: Iterable<readonly [K, V]>) {
			super(entries);
		}
	},
);
export const SafeSet = makeSafe(
	Set,
	class SafeSet<T> extends Set<T> {
		constructor(values?: Iterable<T>) {
			super(values);
		}
	},
);
export const SafeWeakMap = makeSafe(WeakMap, class SafeWeakMap<K extends WeakKey, V> extends WeakMap<K, V> {});
