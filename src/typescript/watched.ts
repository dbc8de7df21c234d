/**
 * Watched collections: a large array, Map or plain object in a service's field is replaced by a
 * Proxy over Stateroom's own copy, which notes every entry an event reads or writes. At the end
 * of the event only those entries are encoded again, so an event that changes one entry of a
 * 10 MB list costs about what it costs in a small room.
 *
 * Reading counts as touching, and what a read hands out is a state proxy (state-proxies.ts):
 * a write through it, in this event or a later one, however the service kept it, notes its
 * entry again. Every write is refused while no event runs.
 */
import {
	reflectDefineProperty,
	reflectDeleteProperty,
	reflectGet,
	reflectGetOwnPropertyDescriptor,
	reflectSet,
} from "../intrinsics.ts";
import { outsideEventError, type Places, staleError } from "./state-places.ts";
import { registerProxy, unwrap } from "./state-proxies.ts";

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

/** What a watched collection's Proxy needs of the room: its gate, its proxies, and the field's path. */
interface Room {
	readonly places: Places;
	readonly path: string;
	readonly target: Collection;
}

export function watch(kind: CollectionKind, target: Collection, places: Places, path: string): Watched {
	const touches = new Touches();
	const room = { places, path, target };
	let proxy: Collection;
	switch (kind) {
		case "list":
			proxy = new Proxy(target as unknown[], listHandler(touches, room));
			break;
		case "map":
			proxy = watchMap(target as Map<unknown, unknown>, touches, room);
			break;
		case "object":
			proxy = new Proxy(target as Record<string, unknown>, objectHandler(touches, room));
			break;
	}
	registerProxy(proxy, target);
	return { kind, target, proxy, touches };
}

/**
 * Refuses a write while no event runs, and one through the proxy of a collection the field no
 * longer holds (replaced, or rebuilt from storage by a rollback): it would be lost.
 */
function gate(room: Room): void {
	if (!room.places.open) throw outsideEventError(room.path);
	if (room.places.holder(room.target) === undefined) throw staleError();
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
function listHandler(touches: Touches, room: Room): ProxyHandler<unknown[]> {
	const note = (key: string | symbol) => {
		const index = arrayIndex(key);
		if (index !== undefined) touches.add(index);
	};
	/** A list keeps its items (and length); any other property would not be stored. */
	const write = (key: string | symbol) => {
		gate(room);
		if (key !== "length" && arrayIndex(key) === undefined) {
			throw new TypeError(`${room.path} keeps only its items; its property ${String(key)} would not be stored.`);
		}
		note(key);
	};
	return {
		get(target, key) {
			note(key);
			return room.places.expose(reflectGet(target, key));
		},
		set(target, key, value) {
			write(key);
			return reflectSet(target, key, unwrap(value));
		},
		deleteProperty(target, key) {
			write(key);
			return reflectDeleteProperty(target, key);
		},
		defineProperty(target, key, descriptor) {
			write(key);
			const value: unknown = descriptor.value;
			return reflectDefineProperty(
				target,
				key,
				"value" in descriptor ? { ...descriptor, value: unwrap(value) } : descriptor,
			);
		},
		getOwnPropertyDescriptor(target, key) {
			note(key);
			return reflectGetOwnPropertyDescriptor(target, key);
		},
	};
}

function objectHandler(touches: Touches, room: Room): ProxyHandler<Record<string, unknown>> {
	const note = (key: string | symbol) => {
		gate(room);
		if (typeof key === "string") touches.add(key);
	};
	return {
		get(target, key) {
			if (typeof key === "string" && Object.hasOwn(target, key)) touches.add(key);
			return room.places.expose(reflectGet(target, key));
		},
		set(target, key, value) {
			note(key);
			return reflectSet(target, key, unwrap(value));
		},
		deleteProperty(target, key) {
			gate(room);
			if (typeof key === "string") touches.delete(key);
			return reflectDeleteProperty(target, key);
		},
		defineProperty(target, key, descriptor) {
			note(key);
			const value: unknown = descriptor.value;
			return reflectDefineProperty(
				target,
				key,
				"value" in descriptor ? { ...descriptor, value: unwrap(value) } : descriptor,
			);
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
function watchMap(target: Map<unknown, unknown>, touches: Touches, room: Room): Map<unknown, unknown> {
	const expose = (value: unknown) => room.places.expose(value);
	const proxy: Map<unknown, unknown> = new Proxy(target, {
		get(map, key) {
			switch (key) {
				case "get":
					return (entry: unknown) => {
						const raw = unwrap(entry);
						touches.add(raw);
						return expose(map.get(raw));
					};
				case "has":
					return (entry: unknown) => map.has(unwrap(entry));
				case "set":
					return (entry: unknown, value: unknown) => {
						gate(room);
						const raw = unwrap(entry);
						touches.add(raw);
						map.set(raw, unwrap(value));
						return proxy;
					};
				case "delete":
					return (entry: unknown) => {
						gate(room);
						const raw = unwrap(entry);
						touches.delete(raw);
						return map.delete(raw);
					};
				case "clear":
					return () => {
						gate(room);
						touches.touchAll();
						for (const entry of map.keys()) touches.deleted.add(entry);
						map.clear();
					};
				case "forEach":
					return (callback: (value: unknown, key: unknown, map: Map<unknown, unknown>) => void, self?: unknown) => {
						touches.touchAll();
						for (const [entry, value] of map) callback.call(self, expose(value), expose(entry), proxy);
					};
				case "entries":
				case "values":
				case "keys":
				case Symbol.iterator:
					return () => {
						touches.touchAll();
						return exposeEntries(map, key === "keys" ? "keys" : key === "values" ? "values" : "entries", expose);
					};
			}
			const value: unknown = reflectGet(map, key, map);
			return typeof value === "function" ? value.bind(map) : value;
		},
		set() {
			throw new TypeError(`${room.path} is a Map: it keeps only its entries; use set() and delete().`);
		},
	});
	return proxy;
}

function* exposeEntries(
	map: Map<unknown, unknown>,
	kind: "keys" | "values" | "entries",
	expose: (value: unknown) => unknown,
): Generator<unknown> {
	for (const [key, value] of map) {
		if (kind === "keys") yield expose(key);
		else if (kind === "values") yield expose(value);
		else yield [expose(key), expose(value)];
	}
}
