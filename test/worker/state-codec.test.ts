/**
 * The state codec round-trips every value it accepts exactly, through a room's real storage in
 * workerd, and refuses the rest with an error naming the path. Values come from fast-check:
 * nested objects, arrays (sparse ones too), Map, Set, Date (invalid ones too), typed arrays,
 * null-prototype objects, "__proto__" keys, -0, NaN, bigints and strings of any code units.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnstorableStateError } from "../../src/typescript/state-codec.ts";
import { unwrap } from "../../src/typescript/state-proxies.ts";
import { StoredState } from "../../src/typescript/stored-state.ts";
import { difference } from "./exact.ts";
import { roomStub, uniqueRoom } from "./socket.ts";

const path = (name: string) => `this.${name}`;

/** Stores `value` as field `x` in a room's storage, reads it back as a woken room would. */
async function roundTrip(storage: DurableObjectStorage, value: unknown): Promise<unknown> {
	const { writes } = StoredState.read(new Map()).checkpoint(new Map([["x", value]]), path);
	await storage.deleteAll();
	const entries = [...writes.put];
	// The storage API takes at most 128 keys per put.
	for (let start = 0; start < entries.length; start += 128) {
		await storage.put(Object.fromEntries(entries.slice(start, start + 128)));
	}
	return unwrap(
		StoredState.read(await storage.list())
			.restore(false, path)
			?.get("x"),
	);
}

/** Runs `test` inside a fresh room, with its storage (one call, so the runs need no round trips). */
function inRoom(test: (storage: DurableObjectStorage) => Promise<void>): Promise<void> {
	return runInDurableObject(roomStub("test-ledger", uniqueRoom()), (_room, state) => test(state.storage));
}

/** Leaves of any kind, each a fresh object where it is one (one object at two places is refused). */
const leaves = [
	fc.boolean(),
	fc.double(),
	fc.integer(),
	fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
	fc.string({ unit: "binary", maxLength: 20 }),
	fc.constant(null),
	fc.constant(undefined),
	fc.bigInt(),
	fc.constant(0).map(() => new Date(Number.NaN)),
];

const values = fc.anything({
	key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "$sr", "v", "0", "length")),
	values: leaves,
	maxDepth: 3,
	maxKeys: 5,
	withBigInt: true,
	withDate: true,
	withMap: true,
	withSet: true,
	withTypedArray: true,
	withSparseArray: true,
	withNullPrototype: true,
	withBoxedValues: false,
	withObjectString: false,
});

describe("the state codec, through storage", () => {
	it("round-trips every generated value exactly", async () => {
		await inRoom((storage) =>
			fc.assert(
				fc.asyncProperty(values, async (value) => {
					// Storing retires (freezes) the value's own objects, but leaves their contents as they were.
					const back = await roundTrip(storage, value);
					expect(difference(back, value)).toBeUndefined();
				}),
				{ numRuns: 200 },
			),
		);
	}, 30_000);

	it("round-trips the cases that used to change silently, and long strings and large collections", async () => {
		const proto = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown;
		const cases: [string, () => unknown][] = [
			["-0", () => -0],
			['an own "__proto__" key', () => JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
			["an invalid Date", () => new Date(Number.NaN)],
			[
				"holes",
				() => {
					const list = [1, 2, 3, 4, 5];
					delete list[1];
					delete list[4];
					return list;
				},
			],
			["a 600,000-character string", () => "é".repeat(600_000)],
			["frozen objects and arrays", () => Object.freeze({ list: Object.freeze([1, { a: 2 }]) })],
			["nested Maps and Sets", () => new Map([[1, new Set([new Map([["a", -0]])])]])],
			[
				"typed arrays",
				() => [new Float64Array([Number.NaN, -0]), new BigInt64Array([-1n]), new DataView(new ArrayBuffer(3))],
			],
			["a watched list with holes", () => Object.assign(new Array(700), { 5: "five", 650: [-0] })],
			[
				"a watched Map",
				() => new Map(Array.from({ length: 300 }, (_, index) => [index, { n: -0, d: new Date(Number.NaN) }])),
			],
			[
				"a watched object with a __proto__ key",
				() => ({
					...Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`k${index}`, index])),
					...(proto as object),
				}),
			],
		];
		await inRoom(async (storage) => {
			for (const [name, make] of cases) {
				const back = await roundTrip(storage, make());
				expect(difference(back, make()), name).toBeUndefined();
			}
		});
	});

	it("refuses what it cannot bring back as it was, naming the path", () => {
		const shared = new Uint8Array(8);
		const cases: [unknown, string][] = [
			[{ list: [() => 1] }, "this.x.list[0] is a function"],
			[{ at: new (class Point {})() }, "this.x.at is a Point"],
			[{ [Symbol("s")]: 1 }, "this.x has a symbol key"],
			[Object.defineProperty({}, "g", { get: () => 1, enumerable: true }), "this.x.g is a getter or setter"],
			[Object.defineProperty({}, "hidden", { value: 1 }), "this.x.hidden is not enumerable"],
			[Object.assign([1], { extra: true }), "this.x has its own property extra"],
			[{ sealed: Object.seal({ a: 1 }) }, "this.x.sealed is sealed"],
			[{ view: new Uint8Array(shared.buffer, 2, 2) }, "this.x.view is a view of part of a larger"],
			[[shared, new Uint16Array(shared.buffer)], "this.x[1] shares its ArrayBuffer with this.x[0]"],
			[Object.assign(new Map(), { note: 1 }), "this.x has its own property note"],
			[new WeakMap(), "this.x is a WeakMap"],
		];
		for (const [value, message] of cases) {
			const attempt = () => StoredState.read(new Map()).checkpoint(new Map([["x", value]]), path);
			expect(attempt).toThrow(UnstorableStateError);
			expect(attempt).toThrow(message);
		}
	});
});
