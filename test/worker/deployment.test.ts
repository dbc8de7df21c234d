/**
 * One deployment per Worker: the entry module's `createStateroom` registers its services with
 * the library's `Room` class, which every entry module exports as it is (test/worker/entry.ts
 * does, and every other suite's rooms run through it). A second registry in the same Worker is
 * refused, since one `Room` class and one `ROOMS` binding could not tell the two apart.
 */
import { createStateroom, defineServices, type ServiceDefinition } from "stateroom";
import { describe, expect, it } from "vitest";
import { Counter } from "../../services/counter.ts";
// The Worker's entry module, loaded here as the runtime loads it before any room starts.
import "./entry.ts";

describe("one deployment per Worker", () => {
	it("refuses a second createStateroom in the same Worker, saying what to do instead", () => {
		const second = () => createStateroom(defineServices({ default: "other", services: { other: Counter } }));
		expect(second).toThrow(/createStateroom was called a second time in this Worker.*Fix: call createStateroom once/);
	});
});

describe("service definitions", () => {
	it("refuses a configured service without an implementation, naming what it got", () => {
		const misnamed = { service: Counter, limits: { maxClients: 4 } } as unknown as ServiceDefinition;
		expect(() => defineServices({ default: "counter", services: { counter: misnamed } })).toThrow(
			/Service "counter" has no implementation: .*got an object with service, limits\. Fix: .*`implementation`/,
		);
	});

	it("takes a class or module alone, or under `implementation` with its settings", () => {
		const registry = {
			default: "a",
			services: { a: Counter, b: { implementation: Counter, limits: { maxClients: 4 } } },
		};
		expect(defineServices(registry)).toBe(registry);
	});
});
