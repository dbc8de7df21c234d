/**
 * A real WebSocket client (the `ws` package) for end-to-end tests, with an ordered inbox and
 * waiters that reject on timeout and on close.
 */
import WebSocket from "ws";
import { Inbox } from "../shared/inbox.ts";

export type Frame = { kind: "text"; text: string } | { kind: "bytes"; bytes: Uint8Array };

export interface Client {
	readonly socket: WebSocket;
	next(ms?: number): Promise<Frame>;
	/** The next frame, which must be text. */
	nextText(ms?: number): Promise<string>;
	/** Waits `ms` and returns whatever arrived meanwhile (expected: nothing). */
	quiet(ms?: number): Promise<Frame[]>;
	send(data: string | Uint8Array): void;
	close(): Promise<{ code: number; reason: string }>;
	readonly closed: Promise<{ code: number; reason: string }>;
}

export async function open(url: string, ms = 10_000): Promise<Client> {
	const socket = new WebSocket(url);
	const inbox = new Inbox<Frame>();
	const closed = new Promise<{ code: number; reason: string }>((resolve) => {
		socket.on("close", (code, reason) => {
			inbox.end(new Error(`socket closed (${code}) while a message was awaited`));
			resolve({ code, reason: reason.toString() });
		});
	});
	socket.on("message", (data, isBinary) => {
		const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
		inbox.push(
			isBinary ? { kind: "bytes", bytes: new Uint8Array(buffer) } : { kind: "text", text: buffer.toString("utf8") },
		);
	});
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`could not connect to ${url} within ${ms} ms`)), ms);
		socket.once("open", () => {
			clearTimeout(timer);
			resolve();
		});
		socket.once("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
	const next = (wait = 5000) => inbox.next(wait);
	return {
		socket,
		closed,
		next,
		async nextText(wait) {
			const frame = await next(wait);
			if (frame.kind !== "text") throw new Error("expected a text frame, got a binary one");
			return frame.text;
		},
		async quiet(wait = 300) {
			await new Promise((resolve) => setTimeout(resolve, wait));
			return inbox.drain();
		},
		send(data) {
			socket.send(data);
		},
		async close() {
			socket.close(1000);
			return closed;
		},
	};
}
