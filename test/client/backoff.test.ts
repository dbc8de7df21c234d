/** The retry schedule: full-jitter delays, the cap, reset after a stable connection, giving up. */
import { describe, expect, it } from "vitest";
import { Backoff, backoffCeiling, backoffDelay } from "../../client/backoff.ts";

describe("backoffDelay", () => {
	it("draws uniformly below min(cap, base * 2^attempt)", () => {
		const options = { baseMs: 100, capMs: 1000 };
		expect([0, 1, 2, 3, 4, 10, 2000].map((attempt) => backoffCeiling(attempt, options))).toEqual([
			100, 200, 400, 800, 1000, 1000, 1000,
		]);
		// Full jitter: the draw scales the whole ceiling, from 0 up to (not including) it.
		expect(backoffDelay(3, options, () => 0)).toBe(0);
		expect(backoffDelay(3, options, () => 0.5)).toBe(400);
		expect(backoffDelay(3, options, () => 0.999_999)).toBe(799);
		expect(backoffDelay(60, options, () => 0.5)).toBe(500);
	});

	it("spreads a crowd of clients across the whole window", () => {
		// A deterministic sequence standing in for Math.random across 1000 clients.
		let seed = 1;
		const random = () => {
			seed = (seed * 48_271) % 2_147_483_647;
			return seed / 2_147_483_647;
		};
		const delays = Array.from({ length: 1000 }, () => backoffDelay(2, { baseMs: 100, capMs: 10_000 }, random));
		expect(Math.min(...delays)).toBeLessThan(20);
		expect(Math.max(...delays)).toBeGreaterThan(380);
		expect(Math.max(...delays)).toBeLessThan(400);
	});

	it("refuses negative or non-numeric bounds with a message that names them", () => {
		expect(() => backoffDelay(0, { baseMs: -1 })).toThrow(/baseMs: -1.*non-negative/);
		expect(() => backoffDelay(0, { capMs: Number.NaN })).toThrow(/capMs: NaN/);
	});
});

describe("Backoff", () => {
	const fixed = () => 0.5;

	it("doubles the ceiling with each consecutive failure", () => {
		const backoff = new Backoff({ baseMs: 100, capMs: 1000 }, fixed);
		expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
			50, 100, 200, 400, 500,
		]);
		expect(backoff.attempt).toBe(5);
	});

	it("resets after a connection that stayed open for stableMs, not after a short one", () => {
		let now = 0;
		const backoff = new Backoff({ baseMs: 100, capMs: 10_000, stableMs: 1000 }, fixed, () => now);
		backoff.next();
		backoff.next();
		backoff.opened();
		now += 999;
		backoff.ended();
		// Open for less than stableMs (a service that accepts and then fails): keep backing off.
		expect(backoff.next()).toBe(200);

		backoff.opened();
		now += 1000;
		backoff.ended();
		expect(backoff.attempt).toBe(0);
		expect(backoff.next()).toBe(50);
	});

	it("an attempt that never opened does not reset the count", () => {
		let now = 0;
		const backoff = new Backoff({ stableMs: 10 }, fixed, () => now);
		backoff.next();
		now += 1_000_000;
		backoff.ended();
		expect(backoff.attempt).toBe(1);
	});

	it("is exhausted after maxRetries consecutive failures, and never without it", () => {
		const limited = new Backoff({ maxRetries: 2 }, fixed);
		expect(limited.exhausted).toBe(false);
		limited.next();
		expect(limited.exhausted).toBe(false);
		limited.next();
		expect(limited.exhausted).toBe(true);
		limited.reset();
		expect(limited.exhausted).toBe(false);

		const unlimited = new Backoff({}, fixed);
		for (let i = 0; i < 100; i++) unlimited.next();
		expect(unlimited.exhausted).toBe(false);
	});

	it("maxRetries: 0 never retries", () => {
		expect(new Backoff({ maxRetries: 0 }).exhausted).toBe(true);
	});
});
