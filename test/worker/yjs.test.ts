/**
 * The Yjs service (stateroom/yjs) inside workerd: clients converge through a room, the document
 * outlives its clients and the room's eviction, awareness follows connections, and what a client
 * may not do (a malformed frame, an update past the quota, a write with a read-only token) is
 * refused with the room's stored state untouched.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as sync from "y-protocols/sync";
import { mintJoinToken } from "../../src/access/index.ts";
import { ClientId } from "../../src/api/client-id.ts";
import { AnswerBudget, answerBudgetBytes, REFILL_MS } from "../../src/yjs/answer-budget.ts";
import { YjsCloseCode, yjs } from "../../src/yjs/index.ts";
import { adminJson } from "./admin-client.ts";
import { connect, roomStub, uniqueRoom } from "./socket.ts";
import { openYjs, updateFrame, type YjsTestClient } from "./yjs-client.ts";

const textOf = (client: YjsTestClient) => client.doc.getText("t").toString();

/** Every key the room stores, with its value. */
function stored(service: string, room: string): Promise<Record<string, unknown>> {
	return runInDurableObject(
		roomStub(service, room),
		async (_room, state) => Object.fromEntries(await state.storage.list()) as Record<string, unknown>,
	);
}

/** The room's stored service state, as the admin API shows it. */
async function adminState(service: string, room: string): Promise<{ document: Record<string, number> }> {
	const view = await adminJson<{ stored: { state: { document: Record<string, number> } } }>(
		`/services/${service}/rooms/${encodeURIComponent(room)}/state`,
	);
	return view.stored.state;
}

/** Only the service state's keys (the room's bookkeeping and statistics change with every event). */
const stateOnly = (all: Record<string, unknown>) =>
	Object.fromEntries(Object.entries(all).filter(([key]) => key.startsWith("state/")));

describe("yjs service", () => {
	it("two clients converge through a room", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		const b = await openYjs(`/s/yjs/ws/${room}`);
		a.doc.getText("t").insert(0, "hello");
		await b.until(() => textOf(b) === "hello");
		b.doc.getText("t").insert(5, " world");
		await a.until(() => textOf(a) === "hello world");
		a.doc.getText("t").insert(0, ">");
		b.doc.getText("t").insert(0, "<");
		await a.until(() => textOf(a).length === 13);
		await b.until(() => textOf(b).length === 13);
		expect(textOf(a)).toBe(textOf(b));
	});

	it("keeps the document when every client left and the room was evicted", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		a.doc.getText("t").insert(0, "durable");
		a.doc.getMap("m").set("k", 42);
		a.announce({ sync: "mark" });
		await a.until(() => a.awareness.has(a.doc.clientID));
		a.socket.close();
		await a.socket.closed;
		await evictDurableObject(roomStub("yjs", room));
		const c = await openYjs(`/s/yjs/ws/${room}`);
		expect(textOf(c)).toBe("durable");
		expect(c.doc.getMap("m").get("k")).toBe(42);
	});

	it("answers a new client with awareness kept through an eviction, and tells the others when a client leaves", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		a.announce({ user: "ada", cursor: 3 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		await evictDurableObject(roomStub("yjs", room));
		const b = await openYjs(`/s/yjs/ws/${room}`);
		await b.until(() => b.awareness.has(a.doc.clientID));
		expect(b.awareness.get(a.doc.clientID)).toEqual({ user: "ada", cursor: 3 });
		// Awareness sets no timer: nothing but a client keeps the room awake.
		const alarm = await runInDurableObject(roomStub("yjs", room), (_room, state) => state.storage.getAlarm());
		expect(alarm).toBeNull();
		a.socket.close();
		await b.until(() => b.awareness.get(a.doc.clientID) === null);
	});

	it("closes a client that sends a malformed update with 4400, and stores nothing of it", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		a.doc.getText("t").insert(0, "kept");
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		const before = stateOnly(await stored("yjs", room));
		const bad = await openYjs(`/s/yjs/ws/${room}`);
		bad.socket.send(updateFrame(new Uint8Array([5, 0xff, 0xff])));
		expect((await bad.socket.closed).code).toBe(YjsCloseCode.malformed);
		// Not a y-websocket message; a state vector Yjs cannot read; an awareness update that is not one.
		for (const frame of [
			[9, 9],
			[0, 0, 3, 5, 0xff, 0xff],
			[1, 4, 1, 1, 1, 0x7b],
		]) {
			const other = await openYjs(`/s/yjs/ws/${room}`);
			other.socket.send(new Uint8Array(frame));
			expect(await other.socket.closed).toMatchObject({ code: YjsCloseCode.malformed });
		}
		expect(stateOnly(await stored("yjs", room))).toEqual(before);
		const c = await openYjs(`/s/yjs/ws/${room}`);
		expect(textOf(c)).toBe("kept");
	});

	it("closes a client whose update would take the document past its quota with 4413, and stores nothing of it", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/test-yjs-small/ws/${room}`);
		a.doc.getText("t").insert(0, "x".repeat(2000));
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		const before = stateOnly(await stored("test-yjs-small", room));
		a.doc.getText("t").insert(0, "y".repeat(3000));
		const closed = await a.socket.closed;
		expect(closed.code).toBe(YjsCloseCode.overQuota);
		expect(closed.reason).toContain("quota of 4096 bytes");
		expect(stateOnly(await stored("test-yjs-small", room))).toEqual(before);
		const c = await openYjs(`/s/test-yjs-small/ws/${room}`);
		expect(textOf(c)).toBe("x".repeat(2000));
	});

	it("closes a client that asks for the whole document over and over with 4429, stores nothing, and answers a provider's resyncs", {
		timeout: 30_000,
	}, async () => {
		const room = uniqueRoom();
		const path = `/s/test-yjs-small/ws/${room}`;
		const a = await openYjs(path);
		a.doc.getText("t").insert(0, "x".repeat(3000));
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		const before = stateOnly(await stored("test-yjs-small", room));

		// Sync step 1 with an empty state vector: four bytes, answered by the whole document.
		const hostile = await connect(path);
		const started = Date.now();
		const REQUESTS = 100;
		for (let index = 0; index < REQUESTS; index++) hostile.send(new Uint8Array([0, 0, 1, 0]));
		let answers = 0;
		let answeredBytes = 0;
		for (let index = 0; index <= REQUESTS + 1; index++) {
			const frame = await hostile.next(5000).catch(() => undefined);
			if (frame === undefined) break;
			if (typeof frame !== "string" && frame[0] === 0 && frame[1] === 1) {
				answers += 1;
				answeredBytes += frame.length;
			}
		}
		const stillOpen = new Promise<{ code: number; reason: string }>((resolve) =>
			setTimeout(() => resolve({ code: 0, reason: "still open" }), 5000),
		);
		const closed = await Promise.race([hostile.closed, stillOpen]);
		expect(closed.code).toBe(YjsCloseCode.tooManyRequests);
		expect(closed.reason).toContain("too many sync requests");
		// It was answered (the document is about 3 KB), up to its budget and what refilled meanwhile.
		expect(answers).toBeGreaterThan(0);
		expect(answers).toBeLessThan(REQUESTS);
		const budget = answerBudgetBytes(4096);
		expect(answeredBytes).toBeLessThanOrEqual(budget + (budget * (Date.now() - started)) / REFILL_MS);
		expect(stateOnly(await stored("test-yjs-small", room))).toEqual(before);

		// A provider's resync sends its own state vector: what it lacks is nothing, and the room
		// answers it every time, well past the count at which the hostile client was closed.
		const b = await openYjs(path);
		expect(textOf(b)).toBe("x".repeat(3000));
		// As y-websocket's resyncInterval sends it.
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, 0);
		sync.writeSyncStep1(encoder, b.doc);
		const resync = encoding.toUint8Array(encoder);
		const RESYNCS = 150;
		for (let index = 0; index < RESYNCS; index++) b.socket.send(resync);
		let resyncAnswers = 0;
		while (resyncAnswers < RESYNCS) {
			const frame = await b.socket.next(5000);
			if (typeof frame !== "string" && frame[0] === 0 && frame[1] === 1) resyncAnswers += 1;
		}
		a.doc.getText("t").insert(0, "y");
		await b.until(() => textOf(b) === `y${"x".repeat(3000)}`);
	});

	it("refills a connection's answer budget over a minute, up to its capacity, apart from every other connection's", () => {
		const budget = new AnswerBudget(1000);
		const [a, b] = [ClientId.of(1), ClientId.of(2)];
		expect(budget.take(a, 600, 0)).toBe(true);
		// Refused answers take nothing: 400 bytes are still there.
		expect(budget.take(a, 600, 0)).toBe(false);
		expect(budget.take(a, 400, 0)).toBe(true);
		expect(budget.take(b, 1000, 0)).toBe(true);
		expect(budget.take(a, 500, REFILL_MS / 2)).toBe(true);
		expect(budget.take(a, 1, REFILL_MS / 2)).toBe(false);
		expect(budget.take(a, 1000, 10 * REFILL_MS)).toBe(true);
		expect(budget.take(a, 1, 10 * REFILL_MS)).toBe(false);
		budget.forget(b);
		expect(budget.take(b, 1000, REFILL_MS / 2)).toBe(true);
	});

	it("closes a client whose frame is over limits.maxMessageBytes with 1009, before the service sees it", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/test-yjs-small/ws/${room}`);
		a.doc.getText("t").insert(0, "small");
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		const before = stateOnly(await stored("test-yjs-small", room));
		a.doc.getText("t").insert(0, "z".repeat(10_000));
		expect((await a.socket.closed).code).toBe(1009);
		expect(stateOnly(await stored("test-yjs-small", room))).toEqual(before);
		const c = await openYjs(`/s/test-yjs-small/ws/${room}`);
		expect(textOf(c)).toBe("small");
	});

	it("keeps the document through an eviction with relaxed durability too", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/test-yjs-relaxed/ws/${room}`);
		const b = await openYjs(`/s/test-yjs-relaxed/ws/${room}`);
		a.doc.getText("t").insert(0, "relaxed");
		await b.until(() => textOf(b) === "relaxed");
		await evictDurableObject(roomStub("test-yjs-relaxed", room));
		const c = await openYjs(`/s/test-yjs-relaxed/ws/${room}`);
		expect(textOf(c)).toBe("relaxed");
	});

	it("lets a client with a read-only token receive the document but not change it", async () => {
		const room = uniqueRoom();
		const secret = (env as unknown as Record<string, string>).STATEROOM_TOKEN_SECRET ?? "";
		const grant = { service: "test-yjs-private", room, ttlSeconds: 60 };
		const writer = await mintJoinToken(secret, grant);
		const reader = await mintJoinToken(secret, { ...grant, claims: { yjs: "read" } });
		const w = await openYjs(`/s/test-yjs-private/ws/${room}?token=${writer}`);
		const r = await openYjs(`/s/test-yjs-private/ws/${room}?token=${reader}`);
		w.doc.getText("t").insert(0, "from the writer");
		await r.until(() => textOf(r) === "from the writer");
		r.doc.getText("t").insert(0, "from the reader ");
		// Awareness is not the document: a reader may send it, and hears it back once the room has
		// handled everything it sent before.
		r.announce({ user: "reader" });
		await r.until(() => r.awareness.has(r.doc.clientID));
		await w.until(() => w.awareness.has(r.doc.clientID));
		const c = await openYjs(`/s/test-yjs-private/ws/${room}?token=${writer}`);
		expect(textOf(c)).toBe("from the writer");
		expect(textOf(w)).toBe("from the writer");
	});

	it("stores an update as itself: a small change to a large document writes a small bucket", {
		timeout: 30_000,
	}, async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		a.doc.getText("t").insert(0, "a".repeat(200_000));
		// The log is past its size threshold: the room's timer compacts it into the snapshot.
		await expect.poll(async () => (await adminState("yjs", room)).document.compactions, { timeout: 15_000 }).toBe(1);
		const before = stateOnly(await stored("yjs", room));
		a.doc.getText("t").insert(100, "b");
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		const after = stateOnly(await stored("yjs", room));
		const written = Object.entries(after).filter(
			([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value),
		);
		const writtenChars = written.reduce((sum, [key, value]) => sum + key.length + JSON.stringify(value).length, 0);
		expect(written.map(([key]) => key)).toContain("state/ts/f/log/0");
		expect(writtenChars).toBeLessThan(1000);
		const state = await adminState("yjs", room);
		expect(state.document).toMatchObject({ updates: 1, totalUpdates: 2, compactions: 1 });
		expect(state.document.bytes).toBeGreaterThan(200_000);
	});

	it("compacts past half its log's slots, and a new client gets every update after an eviction", {
		timeout: 30_000,
	}, async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/test-yjs-fast/ws/${room}`);
		const text = a.doc.getText("t");
		for (let index = 0; index < 600; index++) text.insert(text.length, String(index % 10));
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID), 20_000);
		await expect
			.poll(async () => (await adminState("test-yjs-fast", room)).document.compactions, { timeout: 5000 })
			.toBe(1);
		const state = await adminState("test-yjs-fast", room);
		expect(state.document.updates).toBeLessThan(600);
		expect(state.document.totalUpdates).toBe(600);
		a.socket.close();
		await evictDurableObject(roomStub("test-yjs-fast", room));
		const c = await openYjs(`/s/test-yjs-fast/ws/${room}`);
		expect(textOf(c)).toBe(textOf(a));
		expect(textOf(c)).toHaveLength(600);
	});

	it("is cleared by an operator's reset", async () => {
		const room = uniqueRoom();
		const a = await openYjs(`/s/yjs/ws/${room}`);
		a.doc.getText("t").insert(0, "gone soon");
		a.announce({ n: 1 });
		await a.until(() => a.awareness.has(a.doc.clientID));
		expect((await adminState("yjs", room)).document.bytes).toBeGreaterThan(0);
		await adminJson(`/services/yjs/rooms/${room}/reset`, { method: "POST" });
		expect((await a.socket.closed).code).toBe(4010);
		const c = await openYjs(`/s/yjs/ws/${room}`);
		expect(textOf(c)).toBe("");
	});

	it("is configured by yjs(): limits fitted to the document quota unless given, a quota that is a size", () => {
		expect(yjs({ maxDocumentBytes: 8 * 1024 * 1024 }).limits).toMatchObject({
			maxStateBytes: expect.any(Number),
			maxOutputBytes: 8 * 1024 * 1024 + 64 * 1024,
		});
		expect(yjs({ maxDocumentBytes: 8 * 1024 * 1024 }).limits?.maxStateBytes).toBeGreaterThan(8 * 1024 * 1024);
		expect(yjs({ limits: { maxStateBytes: 1000 } }).limits?.maxStateBytes).toBe(1000);
		expect(() => yjs({ maxDocumentBytes: 0 })).toThrow(/maxDocumentBytes is 0/);
	});
});
