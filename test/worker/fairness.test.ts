/**
 * Fairness between rooms: a room draining a queue of costly events (a guest that spins until
 * its fuel runs out) yields to the event loop between them, so other rooms and the Worker's own
 * routes are answered meanwhile; a room whose events keep failing that way is slowed, then
 * cooled down: its clients closed with 4503, new ones refused until the cool-down ends, its
 * queue dropped, a log line, and the room directory shows until when.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { coolingDown as cliCoolingDown } from "../../cli/table.ts";
import { coolingDown as pageCoolingDown } from "../../public/admin/src/format.ts";
import { CloseCode } from "../../src/errors.ts";
import { WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { adminJson, entryWhen } from "./admin-client.ts";
import { captureErrors } from "./console-capture.ts";
import { BASE, connect, type Frame, frameWords, uniqueRoom } from "./socket.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

const u32s = (frame: Frame) => frameWords(frame, true);

describe("a room draining a queue of costly events", () => {
	it("lets another room and /status in between its events", async () => {
		const neighbour = await connect(`/s/test-roster/ws/${uniqueRoom()}`);
		expect(await neighbour.next()).toBe("joined 1 null");
		const busy = await connect(`/s/test-busy/ws/${uniqueRoom()}`);
		// All of these queue up in the room while the first awaits: then it has a queue to drain.
		busy.send("wait");
		for (let index = 0; index < 20; index++) busy.send("spin");
		// "waited" is sent when the first event ends. This test runs in the rooms' isolate, so it
		// hears it only once the busy room lets go of the isolate.
		expect(await busy.next(20_000)).toBe("waited");
		const order: string[] = [];
		neighbour.send("hello");
		const answered = neighbour.next(20_000).then((frame) => order.push(`neighbour: ${frame}`));
		const status = exports.default.fetch(`${BASE}/status`).then((response) => order.push(`status ${response.status}`));
		for (let spins = 1; spins <= 20; spins++) order.push(`busy room: ${await busy.next(20_000)}`);
		await Promise.all([answered, status]);
		// Both were answered while the busy room still had most of its queue to go.
		const halfway = order.indexOf("busy room: spun 10");
		expect(order.indexOf("neighbour: 1 sent 5")).toBeLessThan(halfway);
		expect(order.indexOf("status 200")).toBeLessThan(halfway);
	}, 30_000);
});

describe("a room flooding a spinning guest", () => {
	it("lets another room and /status in while it drains its queue, then cools down", async () => {
		const logged = captureErrors();
		const room = uniqueRoom();
		const neighbour = await connect(`/s/wasm-contained/ws/${uniqueRoom()}`);
		neighbour.send("c");
		expect(u32s(await neighbour.next())).toEqual([1]);
		const flooder = await connect(`/s/wasm-contained-flood/ws/${room}`);
		const order: string[] = [];
		// The flood: 20 events that each spin until their fuel runs out, then one that answers.
		for (let index = 0; index < 20; index++) flooder.send("l");
		flooder.send("c");
		const flood = new Promise<string>((resolve) => {
			// A close also ends the wait for a message: whichever comes first says how the flood ended.
			flooder.next(20_000).then(
				() => resolve("the flood's last event was answered"),
				() => {},
			);
			void flooder.closed.then((close) => resolve(`flooder closed ${close.code}`));
		}).then((outcome) => order.push(outcome));
		// Sent behind the flood: the runtime delivers the flood's messages first.
		neighbour.send("c");
		const answered = neighbour.next(20_000).then((frame) => order.push(`neighbour ${u32s(frame)}`));
		const status = exports.default.fetch(`${BASE}/status`).then((response) => order.push(`status ${response.status}`));
		await Promise.all([flood, answered, status]);
		expect(order.slice(0, 2).sort()).toEqual(["neighbour 2", "status 200"]);
		expect(order[2]).toBe(`flooder closed ${CloseCode.coolingDown}`);
		expect(logged()).toContain(
			`service "wasm-contained-flood", room "${room}": 3 events in a row ran out of fuel or time (limits.failureStreak); the room cools down for 1000 ms (limits.coolDownMs), until`,
		);
		expect(logged()).toContain(`its 1 clients were closed with ${CloseCode.coolingDown}`);
		// The rest of the queue was dropped: three events failed, no more.
		expect(logged().match(/used its fuel budget/g)).toHaveLength(3);
	}, 30_000);

	it("refuses new clients while it cools down, shows it in the directory, and serves again after", async () => {
		captureErrors();
		const room = uniqueRoom();
		const flooder = await connect(`/s/wasm-contained-flood/ws/${room}`);
		for (let index = 0; index < 5; index++) flooder.send("l");
		const closed = await flooder.closed;
		expect(closed).toMatchObject({
			code: CloseCode.coolingDown,
			reason: expect.stringMatching(/^room cooling down until /),
		});
		const refused = await connect(`/s/wasm-contained-flood/ws/${room}`);
		expect(await refused.closed).toMatchObject({
			code: CloseCode.coolingDown,
			reason: expect.stringMatching(/^room cooling down until .*; retry then$/),
		});
		const entry = await entryWhen("wasm-contained-flood", room, (found) => (found?.coolingDownUntil ?? 0) > 0);
		const until = entry?.coolingDownUntil ?? 0;
		const details = await adminJson<{ room: { coolingDownUntil: number | null } }>(
			`/services/wasm-contained-flood/rooms/${room}`,
		);
		expect(details.room.coolingDownUntil).toBe(until);
		// The CLI's tables and the operator page mark the room with the end of its cool-down.
		expect(cliCoolingDown(until)).toBe(`cooling down until ${new Date(until).toISOString().slice(11, 19)} UTC`);
		expect(pageCoolingDown(until)).toMatch(/^cooling down until \d\d:\d\d:\d\d$/);
		// Once the cool-down is over, the room takes clients and runs their events again.
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 10));
		const back = await connect(`/s/wasm-contained-flood/ws/${room}`);
		back.send("c");
		expect(u32s(await back.next())).toEqual([1]);
		await entryWhen("wasm-contained-flood", room, (found) => found?.coolingDownUntil === null);
		// A cool-down that is over is no longer shown.
		expect(cliCoolingDown(until)).toBeUndefined();
		expect(pageCoolingDown(until)).toBeUndefined();
	}, 30_000);
});

/** The fuel budgets the host gave the events that ran out of it, in the order they failed. */
function burnedBudgets(log: string): number[] {
	return Array.from(log.matchAll(/used its fuel budget of (\d+)/g), (match) => Number(match[1]));
}

describe("a room on a failure streak", () => {
	const full = WASM_LIMIT_DEFAULTS.fuelPerEvent;

	it("runs the streak's later events on a quarter of the fuel per failure so far", async () => {
		const logged = captureErrors();
		const flooder = await connect(`/s/wasm-contained-flood/ws/${uniqueRoom()}`);
		for (let index = 0; index < 3; index++) flooder.send("l");
		expect((await flooder.closed).code).toBe(CloseCode.coolingDown);
		// Each spinning event burns all the fuel it was given: only the first burned a whole budget.
		expect(burnedBudgets(logged())).toEqual([full, full / 4, full / 16]);
		expect(logged()).toContain(
			`used its fuel budget of ${full / 4} (an endless loop?); the budget was cut from limits.fuelPerEvent (${full}) because the room's events keep running out of fuel or time`,
		);
	}, 30_000);

	it("gives the whole budget back after an event that succeeds", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-contained-flood/ws/${uniqueRoom()}`);
		client.send("l");
		// On a quarter of the budget, an event that does little still succeeds, and ends the streak.
		client.send("c");
		client.send("l");
		client.send("c");
		expect(u32s(await client.next(20_000))).toEqual([1]);
		expect(u32s(await client.next(20_000))).toEqual([2]);
		expect(burnedBudgets(logged())).toEqual([full, full]);
	}, 30_000);
});
