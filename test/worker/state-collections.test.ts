/**
 * A property test of the watched-collection state layer: fast-check draws events, each a few
 * operations on a list, a Map and a plain object of about 256 entries (so that they cross the
 * watched size both ways): push, pop, splice, sort, reverse, shrinking the length, holes,
 * clear, delete then set in one event, nested edits, replacing the whole collection. After
 * every event the state is stored in a room's storage and read back by a fresh engine, as after
 * an eviction; it must equal the same operations done on plain values, and so must the state of
 * an engine that was never evicted.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	ClientId,
	MessagePayload,
	type MessageRecipient,
	type Service,
	type ServiceContext,
} from "../../src/api/index.ts";
import type { Effects, Engine, ServiceEvent } from "../../src/engine.ts";
import { typescriptEngine } from "../../src/typescript/class-engine.ts";
import { describeExactly } from "./services.ts";
import { roomStub, uniqueRoom } from "./socket.ts";

type Item = number | string | { n: number; inner: { v: number } };
interface Collections {
	list: Item[];
	map: Map<string, Item>;
	obj: Record<string, Item>;
}

type Op =
	| { readonly on: "list"; readonly op: "push" | "set" | "edit" | "hole"; readonly at: number; readonly value: number }
	| { readonly on: "list"; readonly op: "pop" | "sort" | "reverse" | "shift" }
	| { readonly on: "list"; readonly op: "splice"; readonly at: number; readonly remove: number; readonly value: number }
	| { readonly on: "list"; readonly op: "shrink"; readonly by: number }
	| {
			readonly on: "map" | "obj";
			readonly op: "set" | "delete" | "edit" | "reset";
			readonly key: number;
			readonly value: number;
	  }
	| { readonly on: "map"; readonly op: "clear" }
	| { readonly on: "list" | "map" | "obj"; readonly op: "replace"; readonly size: number };

const item = (value: number): Item =>
	value % 3 === 0 ? { n: value, inner: { v: value } } : value % 3 === 1 ? `s${value}` : value;

/** Applies one operation, to the service's collections or to the plain model alike. */
function apply(state: Collections, op: Op): void {
	if (op.op === "replace") {
		const entries = Array.from({ length: op.size }, (_, index) => [`k${index}`, item(index)] as const);
		if (op.on === "list") state.list = entries.map(([, value]) => value);
		else if (op.on === "map") state.map = new Map(entries);
		else state.obj = Object.fromEntries(entries);
		return;
	}
	if (op.on === "list") {
		applyToList(state.list, op);
		return;
	}
	const key = `k${"key" in op ? op.key : 0}`;
	const value = "value" in op ? op.value : 0;
	if (op.on === "map") {
		const map = state.map;
		if (op.op === "set") map.set(key, item(value));
		if (op.op === "delete") map.delete(key);
		if (op.op === "clear") map.clear();
		if (op.op === "reset") map.delete(key) && map.set(key, item(value));
		const entry = map.get(key);
		if (op.op === "edit" && typeof entry === "object") entry.inner.v += value;
		return;
	}
	const obj = state.obj;
	if (op.op === "set") obj[key] = item(value);
	if (op.op === "delete") delete obj[key];
	if (op.op === "reset" && key in obj) {
		delete obj[key];
		obj[key] = item(value);
	}
	const entry = obj[key];
	if (op.op === "edit" && typeof entry === "object") entry.n += value;
}

function applyToList(list: Item[], op: Exclude<Extract<Op, { on: "list" }>, { op: "replace" }>): void {
	const at = (index: number) => index % (list.length + 1);
	switch (op.op) {
		case "push":
			list.push(item(op.value));
			return;
		case "set":
			list[at(op.at)] = item(op.value);
			return;
		case "hole":
			delete list[at(op.at)];
			return;
		case "edit": {
			const entry = list[at(op.at)];
			if (typeof entry === "object") entry.inner.v += op.value;
			return;
		}
		case "pop":
			list.pop();
			return;
		case "shift":
			list.shift();
			return;
		case "sort":
			list.sort((a, b) => describeExactly(a).localeCompare(describeExactly(b)));
			return;
		case "reverse":
			list.reverse();
			return;
		case "splice":
			list.splice(at(op.at), op.remove, item(op.value), item(op.value + 1));
			return;
		case "shrink":
			list.length = Math.max(0, list.length - op.by);
			return;
	}
}

const fresh = (size: number): Collections => {
	const state: Collections = { list: [], map: new Map(), obj: {} };
	for (const on of ["list", "map", "obj"] as const) apply(state, { on, op: "replace", size });
	return state;
};

/** The service: its fields are the collections; a message applies operations, or describes the state. */
let startSize = 256;
class Collected implements Service {
	list: Item[];
	map: Map<string, Item>;
	obj: Record<string, Item>;
	constructor() {
		({ list: this.list, map: this.map, obj: this.obj } = fresh(startSize));
	}
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text() ?? "";
		if (text === "describe") ctx.sendMessage(1 as ClientId, describeState(this));
		else for (const op of JSON.parse(text) as Op[]) apply(this, op);
	}
}

const describeState = (state: Collections) => [state.list, state.map, state.obj].map(describeExactly).join("\n");

const factory = typescriptEngine("test-collections", Collected);
const address = { service: "test-collections", roomId: "property" };

/** Runs a message event and checkpoints it; returns the writes and what the service sent. */
async function event(
	engine: Engine,
	text: string,
): Promise<{ writes: ReturnType<Engine["checkpoint"]>; sent: string[] }> {
	const sent: string[] = [];
	const effects: Effects = {
		send(_recipient: MessageRecipient, payload: MessagePayload) {
			sent.push(payload.text() ?? "");
		},
		setTimer() {},
	};
	const run: ServiceEvent = { kind: "message", client: ClientId.of(1), payload: MessagePayload.text(text) };
	await engine.run(run, effects);
	return { writes: engine.checkpoint(), sent };
}

const small = fc.integer({ min: 0, max: 300 });
const op: fc.Arbitrary<Op> = fc.oneof(
	fc.record({
		on: fc.constant("list" as const),
		op: fc.constantFrom("push", "set", "edit", "hole"),
		at: small,
		value: small,
	}),
	fc.record({ on: fc.constant("list" as const), op: fc.constantFrom("pop", "sort", "reverse", "shift") }),
	fc.record({
		on: fc.constant("list" as const),
		op: fc.constant("splice" as const),
		at: small,
		remove: fc.integer({ min: 0, max: 4 }),
		value: small,
	}),
	fc.record({
		on: fc.constant("list" as const),
		op: fc.constant("shrink" as const),
		by: fc.integer({ min: 1, max: 20 }),
	}),
	fc.record({
		on: fc.constantFrom("map" as const, "obj" as const),
		op: fc.constantFrom("set", "delete", "edit", "reset"),
		key: small,
		value: small,
	}),
	fc.record({ on: fc.constant("map" as const), op: fc.constant("clear" as const) }),
	fc.record({
		on: fc.constantFrom("list" as const, "map" as const, "obj" as const),
		op: fc.constant("replace" as const),
		size: fc.integer({ min: 240, max: 270 }),
	}),
);
const events = fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });

describe("watched collections", () => {
	it("stored and read back after every event, equal the same operations on plain values", async () => {
		await runInDurableObject(roomStub("test-ledger", uniqueRoom()), async (_room, state) => {
			const storage = state.storage;
			await fc.assert(
				fc.asyncProperty(fc.integer({ min: 250, max: 262 }), events, async (size, sequence) => {
					startSize = size;
					await storage.deleteAll();
					const model = fresh(size);
					let evicted = await factory.create(address, new Map());
					const kept = await factory.create(address, new Map());
					for (const ops of sequence) {
						for (const one of ops) apply(model, one);
						const { writes } = await event(evicted, JSON.stringify(ops));
						await event(kept, JSON.stringify(ops));
						for (const key of writes.delete) await storage.delete(key);
						for (const [key, value] of writes.put) await storage.put(key, value);
						// Evicted: a fresh engine from what storage holds.
						evicted = await factory.create(address, await storage.list());
						const expected = describeState(model);
						expect((await event(evicted, "describe")).sent).toEqual([expected]);
						expect((await event(kept, "describe")).sent).toEqual([expected]);
					}
				}),
				{ numRuns: 25 },
			);
		});
	}, 60_000);
});
