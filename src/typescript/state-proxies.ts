/**
 * State proxies: what a service holds of the objects inside a watched collection. Stateroom
 * keeps those objects to itself and hands out a proxy for each; every write through a proxy
 * tells the room which entry changed (so the next checkpoint stores it, however the service
 * reached the object: through the field, or a reference kept in a closure, a module variable or
 * another object from an earlier event), and a write outside any event is refused.
 *
 * The codec stores the object a proxy stands for, never the proxy, and a proxy written into
 * state is stored as its object (see `unwrap`).
 */
import { reflectDefineProperty, reflectDeleteProperty, reflectGet, reflectSet } from "../intrinsics.ts";

const targets = new WeakMap<object, object>();

/** The object a state proxy stands for, or the value itself. */
export function unwrap<T>(value: T): T {
	return typeof value === "object" && value !== null ? ((targets.get(value) as T | undefined) ?? value) : value;
}

/** What a state proxy asks of the room's state. */
export interface ProxyGuard {
	/**
	 * Called before every write through a proxy; `anchor` is the stored object written to (or
	 * whose bytes a view shares). Notes the write, or throws if it is refused.
	 */
	noteWrite(anchor: object): void;
	/** What a read through a proxy returns for `value`: a proxy for a stored object. */
	expose(value: unknown): unknown;
}

/** Methods of a Date, a typed array, a DataView or an ArrayBuffer that change it. */
const MUTATORS = new Set([
	"set",
	"fill",
	"copyWithin",
	"reverse",
	"sort",
	"resize",
	"transfer",
	"transferToFixedLength",
]);
/** Methods of a typed array or DataView that return a view sharing its bytes. */
const SHARING = new Set(["subarray"]);

/** A proxy for `target`, whose writes are noted against `anchor` (the stored object itself, or the one whose bytes it shares). */
export function stateProxy(target: object, guard: ProxyGuard, anchor: object = target): object {
	const proxy = new Proxy(target, handlerFor(target, guard, anchor));
	targets.set(proxy, target);
	return proxy;
}

function handlerFor(target: object, guard: ProxyGuard, anchor: object): ProxyHandler<object> {
	if (target instanceof Map || target instanceof Set) return collectionHandler(guard, anchor);
	if (target instanceof Date || ArrayBuffer.isView(target) || target instanceof ArrayBuffer) {
		return builtinHandler(guard, anchor);
	}
	return plainHandler(guard, anchor);
}

/** Plain objects and arrays: array methods work through these traps, index by index. */
function plainHandler(guard: ProxyGuard, anchor: object): ProxyHandler<object> {
	return {
		get(target, key) {
			return guard.expose(reflectGet(target, key));
		},
		set(target, key, value) {
			guard.noteWrite(anchor);
			return reflectSet(target, key, unwrap(value));
		},
		deleteProperty(target, key) {
			guard.noteWrite(anchor);
			return reflectDeleteProperty(target, key);
		},
		defineProperty(target, key, descriptor) {
			guard.noteWrite(anchor);
			const value: unknown = descriptor.value;
			return reflectDefineProperty(
				target,
				key,
				"value" in descriptor ? { ...descriptor, value: unwrap(value) } : descriptor,
			);
		},
	};
}

/**
 * Map and Set methods only work on the collection itself, not on a proxy: the proxy hands out
 * wrappers that note writes and expose what they return.
 */
function collectionHandler(guard: ProxyGuard, anchor: object): ProxyHandler<object> {
	return {
		get(target, key, receiver) {
			const map = target as Map<unknown, unknown> & Set<unknown>;
			switch (key) {
				case "get":
					return (entry: unknown) => guard.expose(map.get(unwrap(entry)));
				case "has":
					return (entry: unknown) => map.has(unwrap(entry));
				case "set":
					return (entry: unknown, value: unknown) => {
						guard.noteWrite(anchor);
						map.set(unwrap(entry), unwrap(value));
						return receiver;
					};
				case "add":
					return (value: unknown) => {
						guard.noteWrite(anchor);
						map.add(unwrap(value));
						return receiver;
					};
				case "delete":
					return (entry: unknown) => {
						guard.noteWrite(anchor);
						return map.delete(unwrap(entry));
					};
				case "clear":
					return () => {
						guard.noteWrite(anchor);
						map.clear();
					};
				case "forEach":
					return (callback: (value: unknown, key: unknown, self: unknown) => void, self?: unknown) => {
						map.forEach((value: unknown, entry: unknown) => {
							callback.call(self, guard.expose(value), guard.expose(entry), receiver);
						});
					};
				case "entries":
				case "values":
				case "keys":
				case Symbol.iterator: {
					const method: "entries" | "values" | "keys" =
						typeof key === "symbol" ? (map instanceof Map ? "entries" : "values") : key;
					return () => exposeAll((map as Map<unknown, unknown>)[method](), guard);
				}
			}
			const value: unknown = reflectGet(target, key, target);
			return typeof value === "function" ? value.bind(target) : value;
		},
		set() {
			throw new TypeError("A Map or Set in a room's state keeps only its entries: use set(), add() and delete().");
		},
	};
}

function* exposeAll(items: Iterable<unknown>, guard: ProxyGuard): Iterable<unknown> {
	for (const item of items) {
		yield Array.isArray(item) ? item.map((part: unknown) => guard.expose(part)) : guard.expose(item);
	}
}

/** Date, typed arrays, DataView and ArrayBuffer: their methods need the object itself. */
function builtinHandler(guard: ProxyGuard, anchor: object): ProxyHandler<object> {
	return {
		get(target, key) {
			const value: unknown = reflectGet(target, key, target);
			if (key === "buffer" && typeof value === "object" && value !== null) return stateProxy(value, guard, anchor);
			if (typeof value !== "function") return value;
			const name = String(key);
			const mutates =
				MUTATORS.has(name) ||
				(target instanceof Date && name.startsWith("set")) ||
				(target instanceof DataView && name.startsWith("set"));
			const method = value as (...args: unknown[]) => unknown;
			return (...args: unknown[]) => {
				if (mutates) guard.noteWrite(anchor);
				const result = method.apply(target, args.map(unwrap));
				return SHARING.has(name) && typeof result === "object" && result !== null
					? stateProxy(result, guard, anchor)
					: result;
			};
		},
		set(target, key, value) {
			guard.noteWrite(anchor);
			return reflectSet(target, key, value, target);
		},
		defineProperty(target, key, descriptor) {
			guard.noteWrite(anchor);
			return reflectDefineProperty(target, key, descriptor);
		},
		deleteProperty(target, key) {
			guard.noteWrite(anchor);
			return reflectDeleteProperty(target, key);
		},
	};
}

/** Registers a proxy made elsewhere (a watched collection's), so that the codec stores its object. */
export function registerProxy(proxy: object, target: object): void {
	targets.set(proxy, target);
}
