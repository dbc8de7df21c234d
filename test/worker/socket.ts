/**
 * A WebSocket client for tests inside workerd: connects through the Worker's own fetch
 * handler and queues what arrives, so a test can await messages in order.
 */
import { env, exports } from "cloudflare:workers";
import { roomName } from "../../src/naming.ts";
import { Inbox } from "../shared/inbox.ts";

export type Frame = string | Uint8Array;

export interface TestSocket {
	readonly socket: WebSocket;
	/** The next message, or a rejection after `ms`. */
	next(ms?: number): Promise<Frame>;
	/** Waits `ms` and returns whatever arrived meanwhile (tests expect nothing). */
	quiet(ms?: number): Promise<Frame[]>;
	send(frame: Frame): void;
	/** Resolves with the close code and reason once the socket has closed. */
	readonly closed: Promise<{ code: number; reason: string }>;
	close(code?: number, reason?: string): void;
}

export const BASE = "http://stateroom.test";

/**
 * The headers of a valid WebSocket upgrade (RFC 6455 §4.1), as a browser sends them: the Worker
 * refuses anything less before it reaches a room.
 */
export function upgradeHeaders(extra: Record<string, string> = {}): Record<string, string> {
	return {
		Upgrade: "websocket",
		Connection: "Upgrade",
		"Sec-WebSocket-Key": btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))),
		"Sec-WebSocket-Version": "13",
		...extra,
	};
}

/** Sends an upgrade request for `path` (with extra headers) and returns the raw response. */
export function upgrade(path: string, headers: Record<string, string> = {}, base = BASE): Promise<Response> {
	return exports.default.fetch(`${base}${path}`, { headers: upgradeHeaders(headers) });
}

export async function connect(path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
	const response = await upgrade(path, headers);
	const socket = response.webSocket;
	if (!socket) throw new Error(`No WebSocket from ${path}: ${response.status} ${await response.text()}`);
	const inbox = new Inbox<Frame>();
	const closed = new Promise<{ code: number; reason: string }>((resolve) => {
		socket.addEventListener("close", (event) => {
			inbox.end(new Error(`socket closed (${event.code} ${event.reason}) while a message was awaited`));
			resolve({ code: event.code, reason: event.reason });
		});
	});
	socket.addEventListener("message", (event) => {
		inbox.push(typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer));
	});
	// From compatibility date 2026-03-17, binaryType defaults to "blob" (websocket_standard_binary_type).
	socket.binaryType = "arraybuffer";
	socket.accept();
	return {
		socket,
		closed,
		next: (ms = 2000) => inbox.next(ms),
		async quiet(ms = 150) {
			await new Promise((resolve) => setTimeout(resolve, ms));
			return inbox.drain();
		},
		send: (frame) => socket.send(frame),
		close: (code = 1000, reason = "") => socket.close(code, reason),
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

/** A binary frame read as little-endian 32-bit words (what the WAT fixtures and guests reply). */
export function frameWords(frame: Frame, signed: boolean): number[] {
	if (typeof frame === "string") throw new Error(`expected bytes, got ${frame}`);
	const buffer = frame.slice().buffer;
	return Array.from(signed ? new Int32Array(buffer) : new Uint32Array(buffer));
}
