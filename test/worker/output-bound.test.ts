/**
 * What one event may send and log: `limits.maxOutputBytes` (4 MiB by default) bounds the bytes
 * of messages an event sends, for TypeScript and WebAssembly services alike; past it the event
 * fails and rolls back like a trap. A WebAssembly guest's host calls cost fuel by the byte, and
 * its log output is cut to a bounded line before the host copies it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { WASM_LIMIT_DEFAULTS } from "../../src/wasm/metering.ts";
import { MAX_LOG_LINE_BYTES } from "../../src/wasm/wasi.ts";
import { captureErrors } from "./console-capture.ts";
import { connect, type Frame, frameWords, uniqueRoom } from "./socket.ts";

const i32s = (frame: Frame) => frameWords(frame, true);

afterEach(() => {
	vi.restoreAllMocks();
});

/** A text frame whose first byte is `op` and second byte `count` (what chatty.wat reads). */
const op = (name: string, count: number) => `${name}${String.fromCharCode(count)}`;

describe("the output bound of a TypeScript service", () => {
	it("an event that sends more than limits.maxOutputBytes fails and rolls back; the room serves on", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/test-flood/ws/${uniqueRoom()}`);
		client.send("send 1 1000");
		expect(String(await client.next())).toHaveLength(1000);
		expect(await client.next()).toBe("count 1");
		// Two messages of 40,000 characters pass the service's 64 KiB.
		client.send("send 2 40000");
		await vi.waitFor(() => expect(logged()).toContain("over limits.maxOutputBytes (65536) per event"));
		expect(logged()).toContain("the message event from client 1 failed and was rolled back");
		expect(logged()).toContain('raise `limits.maxOutputBytes` for "test-flood"');
		client.send("count");
		expect(await client.next()).toBe("count 2");
	});

	it("fails the event even if the handler catches the error", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/test-flood/ws/${uniqueRoom()}`);
		client.send("catch 3 40000");
		await vi.waitFor(() => expect(logged()).toContain("over limits.maxOutputBytes"));
		client.send("count");
		// Neither the first 40,000 characters nor "count 1" went out: the event was rolled back.
		expect(await client.next()).toBe("count 1");
	});

	it("is a documented setting with a default of 4 MiB", () => {
		expect(WASM_LIMIT_DEFAULTS.maxOutputBytes).toBe(4 * 1024 * 1024);
	});
});

describe("the output bound of a WebAssembly service", () => {
	it("40 sends of 15 MiB fail their event at the bound, state rolled back; other rooms serve on", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-chatty/ws/${uniqueRoom()}`);
		client.send("c");
		expect(i32s(await client.next())).toEqual([1]);
		client.send(op("s", 40));
		const other = await connect(`/s/wasm-chatty/ws/${uniqueRoom()}`);
		other.send("c");
		expect(i32s(await other.next(10_000))).toEqual([1]);
		await vi.waitFor(() => expect(logged()).toContain("over limits.maxOutputBytes (4194304)"), { timeout: 10_000 });
		expect(logged()).toContain("stateroom_send was given a command of 15728660 bytes");
		// The failed event's count was rolled back, and nothing of it was sent.
		client.send("c");
		expect(i32s(await client.next(10_000))).toEqual([2]);
	}, 30_000);
});

describe("host calls of a WebAssembly service", () => {
	it("fd_write is charged by the byte: 15 MiB of output passes a budget of 10 million fuel", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-chatty-tight/ws/${uniqueRoom()}`);
		client.send(op("w", 1));
		await vi.waitFor(() => expect(logged()).toContain("used its fuel budget of 10000000 per event"));
		expect(logged()).toContain("in a call to fd_write");
		client.send("c");
		expect(i32s(await client.next())).toEqual([1]);
	});

	it("a huge fd_write is cut to one bounded line; 40 iovecs of 15 MiB run out of fuel before they are read", async () => {
		const logged = captureErrors();
		const client = await connect(`/s/wasm-chatty/ws/${uniqueRoom()}`);
		client.send(op("w", 1));
		expect(i32s(await client.next())).toEqual([0, 15 * 1024 * 1024]);
		await vi.waitFor(() => expect(logged()).toContain("(stderr): "));
		const line = logged()
			.split("\n")
			.find((entry) => entry.includes("(stderr): "));
		expect(line).toContain(`... (${15 * 1024 * 1024 - MAX_LOG_LINE_BYTES} more bytes)`);
		expect(line?.length).toBeLessThan(MAX_LOG_LINE_BYTES * 4 + 200);
		client.send(op("w", 40));
		await vi.waitFor(() => expect(logged()).toContain("in a call to fd_write"), { timeout: 10_000 });
		expect(logged()).toContain(`used its fuel budget of ${WASM_LIMIT_DEFAULTS.fuelPerEvent} per event`);
		client.send("c");
		expect(i32s(await client.next())).toEqual([2]);
	}, 30_000);
});
