/**
 * Differential property tests: a room evicted after every event behaves exactly like one that
 * is never evicted. fast-check draws a sequence of events; each sequence runs twice, in two
 * fresh rooms of the same service, one of them evicted after every event; the transcripts
 * (every reply, and every refusal: an event that failed and was rolled back) and the final
 * state must be identical. TypeScript rooms (plain fields, a list and a Map that grow past the
 * watched size and shrink back, nested objects, aliases) and WebAssembly rooms (the counter and
 * echo guests, and a guest whose memory is large and written sparsely, so that dirty-page
 * tracking is held to the same bar).
 */
import { evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { connect, type Frame, roomStub, type TestSocket, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

const describeFrame = (frame: Frame) =>
	typeof frame === "string" ? frame : `bytes ${Array.from(new Uint32Array(frame.slice().buffer)).join(",")}`;

/**
 * What one event produced: its replies, or "refused" once the room logged its failure. (A
 * failed event sends nothing; its error log, which names the room, is how the test knows it
 * has ended.)
 */
async function outcome(socket: TestSocket, room: string, errors: MockInstance, before: number): Promise<string> {
	for (let waited = 0; waited < 3000; waited += 5) {
		const frames = await socket.quiet(5);
		if (frames.length > 0) return frames.map(describeFrame).join(" / ");
		if (errors.mock.calls.slice(before).some((call) => call.map(String).join(" ").includes(room))) return "refused";
	}
	throw new Error("the event neither replied nor failed within 3 s");
}

/** Runs `events` in a fresh room of `service`, evicting it after every event if `evict`. */
async function play(
	service: string,
	events: readonly string[],
	evict: boolean,
	errors: MockInstance,
): Promise<string[]> {
	const room = uniqueRoom();
	const socket = await connect(`/s/${service}/ws/${room}`);
	const transcript = [`connected: ${(await socket.quiet(20)).map(describeFrame).join(" / ")}`];
	for (const event of events) {
		const before = errors.mock.calls.length;
		socket.send(event);
		transcript.push(`${event} -> ${await outcome(socket, room, errors, before)}`);
		if (evict) await evictDurableObject(roomStub(service, room));
	}
	socket.close();
	return transcript;
}

/** Asserts that `events` give the same transcript with and without eviction (the two rooms run side by side). */
async function sameWithEviction(service: string, events: readonly string[]): Promise<void> {
	const errors = vi.spyOn(console, "error").mockImplementation(() => {});
	const [kept, evicted] = await Promise.all([
		play(service, events, false, errors),
		play(service, events, true, errors),
	]);
	expect(evicted).toEqual(kept);
}

const small = fc.integer({ min: 0, max: 9 });
const command = (ops: readonly string[]) =>
	fc.tuple(fc.constantFrom(...ops), small, fc.integer({ min: 0, max: 300 })).map(([op, a, b]) => `${op} ${a} ${b}`);

const TS_OPS = [
	"count",
	"tag",
	"untag",
	"push",
	"pop",
	"splice",
	"sort",
	"reverse",
	"shrink",
	"hole",
	"edit",
	"set",
	"fill",
	"delete",
	"reset",
	"clear",
	"see",
	"alias-list",
	"alias-map",
	"move",
	"drop",
	"throw",
] as const;

/** A TypeScript event sequence: a list pushed past the watched size first, then anything, each followed by "get". */
const tsEvents = fc
	.array(command(TS_OPS), { minLength: 4, maxLength: 10 })
	.map((commands) => ["push 9 280", "fill 3 0", ...commands].flatMap((event) => [event, "get"]));

describe("a TypeScript room, evicted after every event or never", () => {
	it("answers every sequence of events the same, refusals included", async () => {
		await fc.assert(
			fc.asyncProperty(tsEvents, (events) => sameWithEviction("test-differential", events)),
			{ numRuns: 4 },
		);
	}, 60_000);
});

describe("a WebAssembly room, evicted after every event or never", () => {
	it("the counter guests answer the same", async () => {
		const events = fc.array(fc.constantFrom("increment", "decrement", "other"), { minLength: 3, maxLength: 8 });
		for (const service of ["rust-counter", "c-counter", "as-counter"]) {
			await fc.assert(
				fc.asyncProperty(events, (sequence) => sameWithEviction(service, sequence)),
				{ numRuns: 1 },
			);
		}
	}, 60_000);

	it("the echo guests answer the same", async () => {
		const events = fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 6 });
		for (const service of ["rust-echo", "c-echo", "as-echo"]) {
			await fc.assert(
				fc.asyncProperty(events, (sequence) => sameWithEviction(service, sequence)),
				{ numRuns: 1 },
			);
		}
	}, 60_000);

	it("a guest with a large memory written sparsely answers the same (dirty-page tracking)", async () => {
		// Page letters: "B" is page 1, "t" page 51; memory grows 16 pages per "g" (see page-writes.wat).
		const page = fc.constantFrom("B", "C", "Q", "R", "b", "t", "x");
		const op = fc.oneof(
			page.map((p) => `w${p}`),
			page.map((p) => `t${p}`),
			page.map((p) => `r${p}`),
			fc.tuple(page, page).map(([p, q]) => `f${[p, q].sort().join("")}`),
			fc.tuple(page, page).map(([p, q]) => `c${p}${q}`),
		);
		const events = fc
			.array(op, { minLength: 3, maxLength: 10 })
			// Grow to 65 pages first; read back every page at the end.
			.map((ops) => ["g", "g", "g", "g", ...ops, "rB", "rC", "rQ", "rR", "rb", "rt", "rx"]);
		await fc.assert(
			fc.asyncProperty(events, (sequence) => sameWithEviction("wasm-page-writes", sequence)),
			{ numRuns: 3 },
		);
	}, 60_000);
});
