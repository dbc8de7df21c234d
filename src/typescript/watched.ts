/**
 * Watched collections: a large array, Map or plain object in a service's field is replaced by a
 * Proxy over Stateroom's own copy, which notes every entry an event reads or writes. At the end
 * of the event only those entries are encoded again, so an event that changes one entry of a
 * 10 MB list costs about what it costs in a small room.
 *
 * Reading counts as touching: `this.players.get("ann").score += 1` mutates an object the Map
 * handed out, and the next checkpoint finds it because `get("ann")` noted the key. What the
 * Proxy cannot see is a reference kept from an earlier event and changed later without going
 * through the field again; docs/services.md tells authors to go through their fields.
 */
import {
	reflectDefineProperty,
	reflectDeleteProperty,
	reflectGet,
	reflectGetOwnPropertyDescriptor,
	reflectSet,
} from "../intrinsics.ts";

/** How a watched field's entries are addressed: list indexes, Map keys or property names. */
export type CollectionKind = "list" | "map" | "object";

export type Collection = unknown[] | Map<unknown, unknown> | Record<string, unknown>;

/** The entries one or more events touched since the last checkpoint. */
export class Touches {
	readonly keys = new Set<unknown>();
	/** Keys deleted along the way: set again, they moved to the end of the iteration order. */
	readonly deleted = new Set<unknown>();
	/** Every entry may have been touched (iteration, `clear`): the checkpoint looks at all. */
	all = false;

	add(key: unknown): void {
		if (!this.all) this.keys.add(key);
	}

	delete(key: unknown): void {
		this.add(key);
		this.deleted.add(key);
	}

	touchAll(): void {
		this.all = true;
		this.keys.clear();
	}

	reset(): void {
		this.all = false;
		this.keys.clear();
		this.deleted.clear();
	}
}

export interface Watched {
	readonly kind: CollectionKind;
	/** The collection itself; only Stateroom holds it, the service sees `proxy`. */
	readonly target: Collection;
	readonly proxy: Collection;
	readonly touches: Touches;
}

export function watch(kind: CollectionKind, target: Collection): Watched {
	const touches = new Touches();
	let proxy: Collection;
	switch (kind) {
		case "list":
			proxy = new Proxy(target as unknown[], listHandler(touches));
			break;
		case "map":
			proxy = watchMap(target as Map<unknown, unknown>, touches);
			break;
		case "object":
			proxy = new Proxy(target as Record<string, unknown>, objectHandler(touches));
			break;
	}
	return { kind, target, proxy, touches };
}

/** The index a property key names, if it is an array index ("3", not "03" or "length"). */
export function arrayIndex(key: string | symbol): number | undefined {
	if (typeof key !== "string") return undefined;
	const index = Number(key);
	return Number.isInteger(index) && index >= 0 && index < 4_294_967_295 && String(index) === key ? index : undefined;
}

/**
 * Array methods called on the Proxy (push, splice, sort, iteration) reach the array through
 * these traps index by index, so noting indexes here covers them all.
 */
function listHandler(touches: Touches): ProxyHandler<unknown[]> {
	const note = (key: string | symbol) => {
		const index = arrayIndex(key);
		if (index !== undefined) touches.add(index);
	};
	return {
		get(target, key) {
			note(key);
			return reflectGet(target, key);
		},
		set(target, key, value) {
			note(key);
			return reflectSet(target, key, value);
		},
		deleteProperty(target, key) {
			note(key);
			return reflectDeleteProperty(target, key);
		},
		defineProperty(target, key, descriptor) {
			note(key);
			return reflectDefineProperty(target, key, descriptor);
		},
		getOwnPropertyDescriptor(target, key) {
			note(key);
			return reflectGetOwnPropertyDescriptor(target, key);
		},
	};
}

function objectHandler(touches: Touches): ProxyHandler<Record<string, unknown>> {
	const note = (key: string | symbol) => {
		if (typeof key === "string") touches.add(key);
	};
	return {
		get(target, key) {
			if (typeof key === "string" && Object.hasOwn(target, key)) touches.add(key);
			return reflectGet(target, key);
		},
		set(target, key, value) {
			note(key);
			return reflectSet(target, key, value);
		},
		deleteProperty(target, key) {
			if (typeof key === "string") touches.delete(key);
			return reflectDeleteProperty(target, key);
		},
		defineProperty(target, key, descriptor) {
			note(key);
			return reflectDefineProperty(target, key, descriptor);
		},
		getOwnPropertyDescriptor(target, key) {
			note(key);
			return reflectGetOwnPropertyDescriptor(target, key);
		},
	};
}

/**
 * A Map's methods only work on the Map itself, not on a Proxy, so the Proxy hands out
 * wrappers: they note the keys, call the real method, and return the Proxy where the method
 * returns the Map (so the Map itself never reaches the service).
 */
function watchMap(target: Map<unknown, unknown>, touches: Touches): Map<unknown, unknown> {
	const proxy: Map<unknown, unknown> = new Proxy(target, {
		get(map, key) {
			switch (key) {
				case "get":
					return (entry: unknown) => {
						touches.add(entry);
						return map.get(entry);
					};
				case "set":
					return (entry: unknown, value: unknown) => {
						touches.add(entry);
						map.set(entry, value);
						return proxy;
					};
				case "delete":
					return (entry: unknown) => {
						touches.delete(entry);
						return map.delete(entry);
					};
				case "clear":
					return () => {
						touches.touchAll();
						for (const entry of map.keys()) touches.deleted.add(entry);
						map.clear();
					};
				case "forEach":
					return (callback: (value: unknown, key: unknown, map: Map<unknown, unknown>) => void, self?: unknown) => {
						touches.touchAll();
						for (const [entry, value] of map) callback.call(self, value, entry, proxy);
					};
				case "entries":
				case "values":
				case "keys":
				case Symbol.iterator:
					return () => {
						touches.touchAll();
						return key === "keys" ? map.keys() : key === "values" ? map.values() : map.entries();
					};
			}
			const value: unknown = reflectGet(map, key, map);
			return typeof value === "function" ? value.bind(map) : value;
		},
	});
	return proxy;
}
