/**
 * Exact equality of stored values, for the state property tests: -0 is not 0, a hole is not
 * undefined, prototypes, key order, Map and Set order, typed array kinds and their bytes count.
 */
import { isRetired } from "../../src/typescript/state-codec.ts";

/** Where `actual` differs from `expected` (a path), or `undefined` if it is exactly the same. */
export function difference(actual: unknown, expected: unknown, path = "value"): string | undefined {
	if (typeof actual !== "object" || actual === null || typeof expected !== "object" || expected === null) {
		return Object.is(actual, expected) ? undefined : `${path}: ${describe(actual)} is not ${describe(expected)}`;
	}
	if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return `${path}: another prototype`;
	// Stateroom freezes the objects it replaced by its copy ("retired"): they were not frozen before.
	const frozen = (value: object) => Object.isFrozen(value) && !isRetired(value);
	if (frozen(actual) !== frozen(expected)) return `${path}: frozen on one side only`;
	if (Array.isArray(expected)) return listDifference(actual as unknown[], expected, path);
	if (expected instanceof Map) {
		const [a, e] = [[...(actual as Map<unknown, unknown>)], [...expected]];
		if (a.length !== e.length) return `${path}: ${a.length} entries, not ${e.length}`;
		for (let index = 0; index < e.length; index++) {
			const [ak, av] = a[index] as [unknown, unknown];
			const [ek, ev] = e[index] as [unknown, unknown];
			const found = difference(ak, ek, `${path} key ${index}`) ?? difference(av, ev, `${path}.get(#${index})`);
			if (found) return found;
		}
		return undefined;
	}
	if (expected instanceof Set) return listDifference([...(actual as Set<unknown>)], [...expected], `${path} members`);
	if (expected instanceof Date) return difference((actual as Date).getTime(), expected.getTime(), `${path}.getTime()`);
	if (ArrayBuffer.isView(expected) || expected instanceof ArrayBuffer) {
		const bytes = (view: ArrayBufferView | ArrayBuffer) =>
			ArrayBuffer.isView(view) ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(view);
		const [a, e] = [bytes(actual as ArrayBuffer), bytes(expected)];
		return a.length === e.length && a.every((byte, index) => byte === e[index]) ? undefined : `${path}: other bytes`;
	}
	const [a, e] = [Reflect.ownKeys(actual), Reflect.ownKeys(expected)];
	if (a.join() !== e.join()) return `${path}: keys ${a.map(String)} are not ${e.map(String)}`;
	for (const key of e) {
		const found = difference(
			(actual as Record<string | symbol, unknown>)[key],
			(expected as Record<string | symbol, unknown>)[key],
			`${path}.${String(key)}`,
		);
		if (found) return found;
	}
	return undefined;
}

function listDifference(actual: unknown[], expected: unknown[], path: string): string | undefined {
	if (actual.length !== expected.length) return `${path}: length ${actual.length}, not ${expected.length}`;
	for (let index = 0; index < expected.length; index++) {
		if (index in actual !== index in expected) return `${path}[${index}]: a hole on one side only`;
		const found = difference(actual[index], expected[index], `${path}[${index}]`);
		if (found) return found;
	}
	return undefined;
}

function describe(value: unknown): string {
	if (Object.is(value, -0)) return "-0";
	if (typeof value === "bigint") return `${value}n`;
	if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
	return String(value);
}
