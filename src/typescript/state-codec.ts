/**
 * Turns a service's fields (or one entry of a field) into a string and back, so that a room's
 * state can be stored, compared with the last stored copy (to write only when it changed) and
 * restored.
 *
 * It takes plain data: primitives, arrays, plain objects, Map, Set, Date, Uint8Array and
 * ArrayBuffer. Anything else (functions, class instances, WebSockets, cycles) is refused with
 * an error that names the field, because it would not come back as it went in.
 */
import { jsonParse, jsonStringify } from "../intrinsics.ts";

/** Thrown when a value cannot be stored; `path` names where, e.g. `this.players.get("ann")`. */
export class UnstorableStateError extends Error {
	constructor(
		readonly path: string,
		readonly problem: string,
	) {
		super(`${path} ${problem}`);
		this.name = "UnstorableStateError";
	}
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The tag key marking an encoded non-JSON value; plain objects that use it are escaped. */
const TAG = "$sr";

export function encodeState(value: unknown, path: string): string {
	return jsonStringify(toJson(value, path, new Set()));
}

export function decodeState(text: string): unknown {
	return fromJson(jsonParse(text) as Json);
}

/** Decodes a value that was encoded by `encodeState` and has already been parsed as JSON. */
export function decodeParsed(value: unknown): unknown {
	return fromJson(value as Json);
}

/** How a Map key appears in a path: `this.players.get("ann")`. */
export function describeKey(key: unknown): string {
	return typeof key === "string" ? jsonStringify(key) : String(key);
}

function tagged(tag: string, value: Json): Json {
	return { [TAG]: tag, v: value };
}

function toJson(value: unknown, path: string, seen: Set<object>): Json {
	switch (typeof value) {
		case "string":
		case "boolean":
			return value;
		case "number":
			return Number.isFinite(value) && !Object.is(value, -0) ? value : tagged("num", String(value));
		case "bigint":
			return tagged("bigint", value.toString());
		case "undefined":
			return tagged("undefined", null);
		case "function":
			throw new UnstorableStateError(path, "is a function, which cannot be stored.");
		case "symbol":
			throw new UnstorableStateError(path, "is a symbol, which cannot be stored.");
	}
	if (value === null) return null;
	const object = value as object;
	if (seen.has(object)) {
		throw new UnstorableStateError(
			path,
			"refers back to an object that contains it (a cycle), which cannot be stored.",
		);
	}
	seen.add(object);
	try {
		return objectToJson(object, path, seen);
	} finally {
		seen.delete(object);
	}
}

function objectToJson(value: object, path: string, seen: Set<object>): Json {
	if (Array.isArray(value)) {
		return Array.from(value, (item, index) => toJson(item, `${path}[${index}]`, seen));
	}
	if (value instanceof Map) {
		return tagged(
			"map",
			Array.from(value, ([key, item]) => [
				toJson(key, `${path} (a key)`, seen),
				toJson(item, `${path}.get(${describeKey(key)})`, seen),
			]),
		);
	}
	if (value instanceof Set) {
		return tagged(
			"set",
			Array.from(value, (item) => toJson(item, `${path} (a member)`, seen)),
		);
	}
	if (value instanceof Date) return tagged("date", value.getTime());
	if (value instanceof Uint8Array) return tagged("u8", toBase64(value));
	if (value instanceof ArrayBuffer) return tagged("buffer", toBase64(new Uint8Array(value)));
	const prototype = Object.getPrototypeOf(value) as object | null;
	if (prototype !== Object.prototype && prototype !== null) {
		const kind = (prototype.constructor as { name?: string } | undefined)?.name || "class instance";
		throw new UnstorableStateError(
			path,
			`is a ${kind}; only plain data (objects, arrays, Map, Set, Date, Uint8Array) can be stored, because a ${kind} would come back without its class.`,
		);
	}
	const out: { [key: string]: Json } = {};
	for (const [key, item] of Object.entries(value)) {
		out[key] = toJson(item, `${path}.${key}`, seen);
	}
	return TAG in out ? tagged("object", out) : out;
}

function fromJson(value: Json): unknown {
	if (Array.isArray(value)) return value.map(fromJson);
	if (value === null || typeof value !== "object") return value;
	const tag = value[TAG];
	if (typeof tag !== "string") {
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromJson(item)]));
	}
	const inner = value.v as Json;
	switch (tag) {
		case "num":
			return Number(inner);
		case "bigint":
			return BigInt(inner as string);
		case "undefined":
			return undefined;
		case "map":
			return new Map((inner as [Json, Json][]).map(([k, v]) => [fromJson(k), fromJson(v)]));
		case "set":
			return new Set((inner as Json[]).map(fromJson));
		case "date":
			return new Date(inner as number);
		case "u8":
			return fromBase64(inner as string);
		case "buffer":
			return fromBase64(inner as string).buffer;
		case "object":
			return Object.fromEntries(
				Object.entries(inner as { [key: string]: Json }).map(([key, item]) => [key, fromJson(item)]),
			);
		default:
			throw new Error(`Stored state has an unknown tag "${tag}"; it was written by a newer version of Stateroom.`);
	}
}

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
	return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
