/**
 * The event deadline's race (src/room/deadline.ts), in workerd: a handler that has already
 * settled is answered without a timer, one that settles later within the deadline is awaited,
 * and one that never settles fails with a `DeadlineError`. Rooms' use of it is tested in
 * containment.test.ts.
 */
import { describe, expect, it } from "vitest";
import { DeadlineError, withinDeadline } from "../../src/room/deadline.ts";

describe("withinDeadline", () => {
	it("settles like a handler that has already settled, value or error", async () => {
		await expect(withinDeadline(Promise.resolve(7), 1000)).resolves.toBe(7);
		const failure = new Error("handler failed");
		await expect(withinDeadline(Promise.reject(failure), 1000)).rejects.toBe(failure);
	});

	it("waits for a handler that settles after awaiting, within the deadline", async () => {
		const later = new Promise<string>((resolve) => setTimeout(() => resolve("done"), 5));
		await expect(withinDeadline(later, 1000)).resolves.toBe("done");
		const failure = new Error("failed after an await");
		const failsLater = new Promise<never>((_, reject) => setTimeout(() => reject(failure), 5));
		await expect(withinDeadline(failsLater, 1000)).rejects.toBe(failure);
	});

	it("fails a handler that never settles with a DeadlineError naming the limit", async () => {
		const never = new Promise<never>(() => {});
		const error = await withinDeadline(never, 20).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DeadlineError);
		expect((error as DeadlineError).message).toContain("did not settle within 20 ms (limits.eventDeadlineMs)");
	});
});
