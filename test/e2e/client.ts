/**
 * A real WebSocket client (the `ws` package) for end-to-end tests, with an ordered inbox and
 * waiters that reject on timeout and on close.
 */
import WebSocket from "ws";

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
	const inbox: Frame[] = [];
	const waiters: { resolve: (frame: Frame) => void; reject: (error: Error) => void }[] = [];
	let closedWith: { code: number; reason: string } | undefined;
	const closed = new Promise<{ code: number; reason: string }>((resolve) => {
		socket.on("close", (code, reason) => {
			closedWith = { code, reason: reason.toString() };
			for (const waiter of waiters.splice(0)) waiter.reject(new Error(`socket closed (${code}) while waiting`));
			resolve(closedWith);
		});
	});
	socket.on("message", (data, isBinary) => {
		const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
		const frame: Frame = isBinary
			? { kind: "bytes", bytes: new Uint8Array(buffer) }
			: { kind: "text", text: buffer.toString("utf8") };
		const waiter = waiters.shift();
		if (waiter) waiter.resolve(frame);
		else inbox.push(frame);
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
	const next = (wait = 5000) => {
		const frame = inbox.shift();
		if (frame) return Promise.resolve(frame);
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
				reject(new Error(`no message within ${wait} ms`));
			}, wait);
			waiters.push(waiter);
		});
	};
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
			return inbox.splice(0);
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
