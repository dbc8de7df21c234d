/**
 * A WebSocket client for tests inside workerd: connects through the Worker's own fetch
 * handler and queues what arrives, so a test can await messages in order. Waiters reject on
 * timeout and on close, so a missing message fails the test instead of hanging it.
 */
import { env, exports } from "cloudflare:workers";
import { roomName } from "../../src/router.ts";

export type Frame = string | Uint8Array;

export interface TestSocket {
	readonly socket: WebSocket;
	/** The next message, or a rejection after `ms`. */
	next(ms?: number): Promise<Frame>;
	/** Asserts that nothing arrives within `ms`; resolves to what did arrive otherwise. */
	quiet(ms?: number): Promise<Frame[]>;
	send(frame: Frame): void;
	/** Resolves with the close code and reason once the socket has closed. */
	readonly closed: Promise<{ code: number; reason: string }>;
	close(code?: number, reason?: string): void;
}

export const BASE = "http://stateroom.test";

export async function connect(path: string): Promise<TestSocket> {
	const response = await exports.default.fetch(`${BASE}${path}`, { headers: { Upgrade: "websocket" } });
	const socket = response.webSocket;
	if (!socket) throw new Error(`No WebSocket from ${path}: ${response.status} ${await response.text()}`);
	const inbox: Frame[] = [];
	const waiters: { resolve: (frame: Frame) => void; reject: (error: Error) => void }[] = [];
	let closedWith: { code: number; reason: string } | undefined;
	let resolveClosed: (value: { code: number; reason: string }) => void = () => {};
	const closed = new Promise<{ code: number; reason: string }>((resolve) => {
		resolveClosed = resolve;
	});
	socket.addEventListener("message", (event) => {
		const frame: Frame = typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer);
		const waiter = waiters.shift();
		if (waiter) waiter.resolve(frame);
		else inbox.push(frame);
	});
	socket.addEventListener("close", (event) => {
		closedWith = { code: event.code, reason: event.reason };
		resolveClosed(closedWith);
		for (const waiter of waiters.splice(0)) {
			waiter.reject(new Error(`socket closed (${event.code} ${event.reason}) while a message was awaited`));
		}
	});
	// Compatibility dates from 2026 default binaryType to "blob" (websocket_standard_binary_type).
	socket.binaryType = "arraybuffer";
	socket.accept();
	return {
		socket,
		closed,
		next(ms = 2000) {
			const frame = inbox.shift();
			if (frame !== undefined) return Promise.resolve(frame);
			if (closedWith) return Promise.reject(new Error(`socket already closed (${closedWith.code})`));
			return new Promise<Frame>((resolve, reject) => {
				const waiter = {
					resolve: (value: Frame) => {
						clearTimeout(timer);
						resolve(value);
					},
					reject: (error: Error) => {
						clearTimeout(timer);
						reject(error);
					},
				};
				const timer = setTimeout(() => {
					waiters.splice(waiters.indexOf(waiter), 1);
					reject(new Error(`no message within ${ms} ms`));
				}, ms);
				waiters.push(waiter);
			});
		},
		async quiet(ms = 150) {
			await new Promise((resolve) => setTimeout(resolve, ms));
			return inbox.splice(0);
		},
		send(frame) {
			socket.send(frame);
		},
		close(code = 1000, reason = "") {
			socket.close(code, reason);
		},
	};
}

/** A unique room per test, so tests never see each other's state. */
export function uniqueRoom(): string {
	return `room-${crypto.randomUUID()}`;
}

/** The Durable Object stub of a room, for `runInDurableObject` and `evictDurableObject`. */
export function roomStub(service: string, roomId: string): DurableObjectStub {
	return env.ROOMS.get(env.ROOMS.idFromName(roomName(service, roomId)));
}
