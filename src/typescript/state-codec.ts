/**
 * Turns a service's fields (or one entry of a field) into a string and back, so that a room's
 * state can be stored, compared with the last stored copy (to write only when it changed) and
 * restored.
 *
 * It takes plain data: primitives (-0, NaN and bigints included), arrays (holes stay holes),
 * plain objects (an own "__proto__" key included, and objects without a prototype), Map, Set,
 * Date (an invalid one too), typed arrays, DataView and ArrayBuffer, and each comes back exactly
 * as it went in (a frozen plain object or array comes back frozen). Anything that would not (a
 * function, a class instance, a symbol key, a getter, a sealed object, an array with extra
 * properties, a view of part of a buffer, a cycle, one object at two places) is refused with an
 * error that names the path.
 */
import { jsonParse, jsonStringify } from "../intrinsics.ts";
import { unwrap } from "./state-proxies.ts";

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

/** Typed arrays other than Uint8Array (which keeps its own tag), by constructor name. */
const TYPED_ARRAYS = new Set([
	"Int8Array",
	"Uint8ClampedArray",
	"Int16Array",
	"Uint16Array",
	"Int32Array",
	"Uint32Array",
	"Float16Array",
	"Float32Array",
	"Float64Array",
	"BigInt64Array",
	"BigUint64Array",
]);

type TypedArrayConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;

/** The runtime's constructor of a typed array named `name` (Float16Array only where it exists). */
function typedArray(name: string): TypedArrayConstructor | undefined {
	if (!TYPED_ARRAYS.has(name)) return undefined;
	return (globalThis as unknown as Record<string, TypedArrayConstructor | undefined>)[name];
}

/**
 * Encodes `value`. If `found` is given, every object the value holds is added to it with its
 * path (the caller claims them, see state-places.ts). An object met twice, within the value or
 * through `found` from an earlier value, is refused: storage would bring it back as two.
 */
export function encodeState(value: unknown, path: string, found: Map<object, string> = new Map()): string {
	return jsonStringify(toJson(value, path, { found, open: new Set() }));
}

/**
 * Decodes what `encodeState` encoded. If `found` is given, every object of the result is added
 * to it with its path under `path`, as `encodeState` would name it.
 */
export function decodeState(text: string, path = "", found?: Map<object, string>): unknown {
	return decodeParsed(jsonParse(text), path, found);
}

/** Decodes a value that was encoded by `encodeState` and has already been parsed as JSON. */
export function decodeParsed(value: unknown, path = "", found?: Map<object, string>): unknown {
	const decoded = fromJson(value as Json);
	if (found !== undefined) collectObjects(decoded, path, found);
	return decoded;
}

/** Adds every object `value` holds to `found`, with its path (decoded values have no cycles). */
function collectObjects(value: unknown, path: string, found: Map<object, string>): void {
	if (typeof value !== "object" || value === null) return;
	found.set(value, path);
	if (Array.isArray(value)) {
		value.forEach((item: unknown, index) => {
			collectObjects(item, `${path}[${index}]`, found);
		});
	} else if (value instanceof Map) {
		for (const [key, item] of value) {
			collectObjects(key, `${path} (a key)`, found);
			collectObjects(item, `${path}.get(${describeKey(key)})`, found);
		}
	} else if (value instanceof Set) {
		for (const item of value) collectObjects(item, `${path} (a member)`, found);
	} else if (ArrayBuffer.isView(value)) {
		found.set(value.buffer, `${path}.buffer`);
	} else if (!(value instanceof Date) && !(value instanceof ArrayBuffer)) {
		for (const key of Object.keys(value))
			collectObjects((value as Record<string, unknown>)[key], `${path}.${key}`, found);
	}
}

/** How a Map key appears in a path: `this.players.get("ann")`. */
export function describeKey(key: unknown): string {
	if (typeof key === "string") return jsonStringify(key);
	if (typeof key === "bigint") return `${key}n`;
	return typeof key === "object" && key !== null ? "{…}" : String(key);
}

/**
 * Objects Stateroom froze when it replaced them by its own copy (see stored-fields.ts): stored
 * again, they are the service's plain data as before, not frozen values.
 */
const retired = new WeakSet<object>();

export function isRetired(object: object): boolean {
	return retired.has(object);
}

/** Methods that change a Map, Set, Date, DataView or typed array (a retired one refuses them). */
const SETTERS = {
	map: ["set", "delete", "clear"],
	set: ["add", "delete", "clear"],
	date: Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith("set")),
	view: Object.getOwnPropertyNames(DataView.prototype).filter((name) => name.startsWith("set")),
	typed: ["set", "fill", "copyWithin", "reverse", "sort"],
};

function settersOf(object: object): readonly string[] {
	if (object instanceof Map) return SETTERS.map;
	if (object instanceof Set) return SETTERS.set;
	if (object instanceof Date) return SETTERS.date;
	if (object instanceof DataView) return SETTERS.view;
	return ArrayBuffer.isView(object) ? SETTERS.typed : [];
}

function refuseRetired(): never {
	throw new TypeError(
		"This object is no longer part of the room's state: Stateroom stored a copy of it at the end of an earlier event, so a change to it would be lost. Fix: read the state again through its field in the event that changes it.",
	);
}

/**
 * Retires an object the state no longer holds, so that a write through a kept reference throws:
 * it is frozen, and a Map's, Set's, Date's or typed array's own methods that change it refuse.
 * (A typed array cannot be frozen: a write to one of its items is not refused.)
 */
export function retire(object: object): void {
	// One the service froze itself stays a frozen value.
	if (retired.has(object) || Object.isFrozen(object)) return;
	for (const name of settersOf(object)) {
		Object.defineProperty(object, name, { value: refuseRetired, enumerable: false });
	}
	if (!ArrayBuffer.isView(object) || object instanceof DataView) Object.freeze(object);
	retired.add(object);
}

/**
 * Refuses a large collection (stored entry by entry, see stored-fields.ts) whose own properties
 * besides its entries would be lost: extra properties of an array or Map, or symbol keys,
 * getters and non-enumerable properties of an object.
 */
export function checkCollection(value: object, path: string): void {
	if (Array.isArray(value)) {
		let present = 0;
		for (let index = 0; index < value.length; index++) if (index in value) present += 1;
		if (Reflect.ownKeys(value).length !== present + 1) {
			throw new UnstorableStateError(path, "has its own properties besides its items, which would be lost.");
		}
		return;
	}
	if (value instanceof Map) {
		if (Reflect.ownKeys(value).length > 0) {
			throw new UnstorableStateError(path, "has its own properties besides its entries, which would be lost.");
		}
		return;
	}
	for (const key of Reflect.ownKeys(value)) {
		const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
		if (typeof key === "symbol" || !("value" in descriptor) || !descriptor.enumerable) {
			throw new UnstorableStateError(
				`${path}.${String(key)}`,
				"is a symbol key, a getter or setter, or not enumerable; only plain properties can be stored.",
			);
		}
	}
}

/** Why one object at two places (`path` and `other`) is refused, and the fix. */
export function aliasProblem(other: string): string {
	return `is the same object as ${other}. Each object in a room's state is stored at one place, so the two would come back as two separate objects after the room is evicted; Stateroom refuses the event instead. Fix: keep the object at one place and store its id (a key or an index) at the other, or store a copy ({ ...value }, [...list]).`;
}

function tagged(tag: string, value: Json): Json {
	return { [TAG]: tag, v: value };
}

interface Walk {
	/** Every object met so far, with its path. */
	readonly found: Map<object, string>;
	/** The objects being encoded now (the path from the root), to tell a cycle from a share. */
	readonly open: Set<object>;
}

function numberJson(value: number): Json {
	if (Number.isFinite(value) && !Object.is(value, -0)) return value;
	return tagged("num", Object.is(value, -0) ? "-0" : String(value));
}

function toJson(input: unknown, path: string, walk: Walk): Json {
	const value = unwrap(input);
	switch (typeof value) {
		case "string":
		case "boolean":
			return value;
		case "number":
			return numberJson(value);
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
	const before = walk.found.get(object);
	if (before !== undefined) {
		if (walk.open.has(object)) {
			throw new UnstorableStateError(
				path,
				`refers back to ${before}, which contains it (a cycle); a cycle cannot be stored. Fix: store an id (a key or an index) instead of the object.`,
			);
		}
		throw new UnstorableStateError(path, aliasProblem(before));
	}
	walk.found.set(object, path);
	walk.open.add(object);
	try {
		return objectToJson(object, path, walk);
	} finally {
		walk.open.delete(object);
	}
}

function objectToJson(value: object, path: string, walk: Walk): Json {
	const prototype = Object.getPrototypeOf(value) as object | null;
	if (!Object.isExtensible(value) && !retired.has(value)) {
		const plain = prototype === Array.prototype || prototype === Object.prototype || prototype === null;
		if (plain && Object.isFrozen(value)) {
			return tagged(
				"frozen",
				prototype === Array.prototype
					? arrayToJson(value as unknown[], path, walk)
					: plainToJson(value, path, walk, prototype === null),
			);
		}
		throw new UnstorableStateError(
			path,
			"is sealed or not extensible (only a frozen plain object or array keeps its integrity level); it would come back as an ordinary object. Fix: store a copy ({ ...value }, [...value]).",
		);
	}
	if (prototype === Array.prototype) return arrayToJson(value as unknown[], path, walk);
	if (prototype === Object.prototype || prototype === null) return plainToJson(value, path, walk, prototype === null);
	const special = builtinToJson(value, prototype, path, walk);
	if (special !== undefined && !retired.has(value)) {
		// A typed array's own keys are its indexes; anything more would be lost.
		const extra = Reflect.ownKeys(value).filter(
			(key) => !ArrayBuffer.isView(value) || arrayIndexKey(key) === undefined,
		);
		if (extra.length > 0) {
			throw new UnstorableStateError(
				path,
				`has its own property ${String(extra[0])}, which would be lost: only its contents are stored.`,
			);
		}
		return special;
	}
	if (special !== undefined) return special;
	const kind = (prototype.constructor as { name?: string } | undefined)?.name || "class instance";
	throw new UnstorableStateError(
		path,
		`is a ${kind}; only plain data (objects, arrays, Map, Set, Date, typed arrays, ArrayBuffer) can be stored, because a ${kind} would come back without its class.`,
	);
}

function arrayToJson(value: unknown[], path: string, walk: Walk): Json {
	const items: Json[] = [];
	let present = 0;
	let holes = false;
	for (let index = 0; index < value.length; index++) {
		if (index in value) present += 1;
		else holes = true;
	}
	// Own keys are the indexes present and "length": any more would be lost.
	if (Reflect.ownKeys(value).length !== present + 1) {
		const extra = Reflect.ownKeys(value).find((key) => key !== "length" && arrayIndexKey(key) === undefined);
		throw new UnstorableStateError(
			path,
			`has its own property ${String(extra)} besides its items, which would be lost: only an array's items are stored.`,
		);
	}
	if (!holes) {
		for (let index = 0; index < value.length; index++) items.push(toJson(value[index], `${path}[${index}]`, walk));
		return items;
	}
	// Holes stay holes: only the items present are stored, with their indexes.
	const entries: Json[] = [];
	for (let index = 0; index < value.length; index++) {
		if (index in value) entries.push([index, toJson(value[index], `${path}[${index}]`, walk)]);
	}
	return tagged("sparse", [value.length, entries]);
}

function plainToJson(value: object, path: string, walk: Walk, bare: boolean): Json {
	// A prototype-less object, so that an own "__proto__" key stays an ordinary key.
	const out = Object.create(null) as { [key: string]: Json };
	for (const key of Reflect.ownKeys(value)) {
		if (typeof key === "symbol") {
			throw new UnstorableStateError(path, `has a symbol key (${String(key)}), which cannot be stored.`);
		}
		const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
		if (!("value" in descriptor)) {
			throw new UnstorableStateError(`${path}.${key}`, "is a getter or setter, which cannot be stored.");
		}
		if (!descriptor.enumerable) {
			throw new UnstorableStateError(`${path}.${key}`, "is not enumerable; it would come back enumerable.");
		}
		out[key] = toJson(descriptor.value, `${path}.${key}`, walk);
	}
	if (bare) return tagged("bare", out);
	return TAG in out ? tagged("object", out) : out;
}

function builtinToJson(value: object, prototype: object, path: string, walk: Walk): Json | undefined {
	if (prototype === Map.prototype) {
		return tagged(
			"map",
			Array.from(value as Map<unknown, unknown>, ([key, item]) => [
				toJson(key, `${path} (a key)`, walk),
				toJson(item, `${path}.get(${describeKey(key)})`, walk),
			]),
		);
	}
	if (prototype === Set.prototype) {
		return tagged(
			"set",
			Array.from(value as Set<unknown>, (item) => toJson(item, `${path} (a member)`, walk)),
		);
	}
	if (prototype === Date.prototype) return tagged("date", numberJson((value as Date).getTime()));
	if (prototype === ArrayBuffer.prototype) {
		const buffer = value as ArrayBuffer;
		if (isResizable(buffer))
			throw new UnstorableStateError(path, "is a resizable ArrayBuffer; it would come back fixed.");
		return tagged("buffer", toBase64(new Uint8Array(buffer)));
	}
	if (ArrayBuffer.isView(value)) return viewToJson(value, prototype, path, walk);
	return undefined;
}

function viewToJson(view: ArrayBufferView, prototype: object, path: string, walk: Walk): Json | undefined {
	const name = (prototype.constructor as { name?: string } | undefined)?.name ?? "";
	const known =
		name === "Uint8Array" || name === "DataView" ? (globalThis as Record<string, unknown>)[name] : typedArray(name);
	if (known === undefined || known !== prototype.constructor) return undefined;
	const buffer = view.buffer;
	if (
		!(buffer instanceof ArrayBuffer) ||
		isResizable(buffer) ||
		view.byteOffset !== 0 ||
		view.byteLength !== buffer.byteLength
	) {
		throw new UnstorableStateError(
			path,
			"is a view of part of a larger (or shared, or resizable) buffer; only the view's bytes would be stored, so it would come back with a buffer of its own. Fix: store a copy (value.slice()).",
		);
	}
	// Two views of one buffer share their bytes: the buffer is claimed as well, as an object of its own.
	const before = walk.found.get(buffer);
	if (before !== undefined) {
		throw new UnstorableStateError(
			path,
			`shares its ArrayBuffer with ${before}; the two would come back with separate buffers. Fix: store a copy (value.slice()).`,
		);
	}
	walk.found.set(buffer, `${path}.buffer`);
	const bytes = toBase64(new Uint8Array(buffer));
	if (name === "Uint8Array") return tagged("u8", bytes);
	if (name === "DataView") return tagged("view", bytes);
	return tagged("typed", [name, bytes]);
}

/** `resizable` is newer than the TypeScript library this project targets. */
function isResizable(buffer: ArrayBuffer): boolean {
	return (buffer as { resizable?: boolean }).resizable === true;
}

function arrayIndexKey(key: string | symbol): number | undefined {
	if (typeof key !== "string") return undefined;
	const index = Number(key);
	return Number.isInteger(index) && index >= 0 && String(index) === key ? index : undefined;
}

function fromJson(value: Json): unknown {
	if (Array.isArray(value)) return value.map(fromJson);
	if (value === null || typeof value !== "object") return value;
	const tag = value[TAG];
	if (typeof tag !== "string") return objectFromJson(value, {});
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
			return new Date(fromJson(inner) as number);
		case "u8":
			return fromBase64(inner as string);
		case "buffer":
			return fromBase64(inner as string).buffer;
		case "view":
			return new DataView(fromBase64(inner as string).buffer);
		case "typed": {
			const [name, bytes] = inner as [string, string];
			const Type = typedArray(name);
			if (Type === undefined) break;
			return new Type(fromBase64(bytes).buffer as ArrayBuffer);
		}
		case "frozen":
			return Object.freeze(fromJson(inner) as object);
		case "sparse": {
			const [length, entries] = inner as [number, [number, Json][]];
			const list: unknown[] = new Array(length);
			for (const [index, item] of entries) list[index] = fromJson(item);
			return list;
		}
		case "object":
			return objectFromJson(inner as { [key: string]: Json }, {});
		case "bare":
			return objectFromJson(inner as { [key: string]: Json }, Object.create(null) as object);
	}
	throw new Error(`Stored state has an unknown tag "${tag}"; it was written by a newer version of Stateroom.`);
}

/** Copies decoded properties onto `out`; defineProperty keeps an own "__proto__" key a key. */
function objectFromJson(value: { [key: string]: Json }, out: object): object {
	for (const key of Object.keys(value)) {
		Object.defineProperty(out, key, {
			value: fromJson(value[key] as Json),
			writable: true,
			enumerable: true,
			configurable: true,
		});
	}
	return out;
}

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
	return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
