/**
 * StateroomSocket, the WebSocket-compatible reconnecting socket, in Node against a real
 * WebSocket server on 127.0.0.1: the events and handler properties of a WebSocket, readyState
 * across reconnects, the queue while reconnecting, and use as a WebSocket class.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { StateroomSocket, type StateroomSocketOptions } from "../../client/index.ts";
import { startServer, type TestServer, waitFor } from "./server.ts";

let server: TestServer;
const sockets: StateroomSocket[] = [];

beforeEach(async () => {
	server = await startServer({ protocols: true });
});

afterEach(async () => {
	for (const socket of sockets.splice(0)) socket.close();
	await server.close();
});

/** Quick retries: the defaults are for production. */
const FAST: StateroomSocketOptions = { backoff: { baseMs: 20, capMs: 50 } };

/** A socket with a log of every event it fired, and the readyState each listener saw. */
function open(
	url = server.url,
	protocols?: string | string[],
	options = FAST,
): { socket: StateroomSocket; log: string[] } {
	const socket = new StateroomSocket(url, protocols, options);
	sockets.push(socket);
	const log: string[] = [];
	socket.addEventListener("open", () => log.push(`open ${socket.readyState}`));
	socket.addEventListener("message", (event) => {
		const data: unknown = event.data;
		if (typeof data === "string") log.push(`message ${data}`);
		else if (data instanceof ArrayBuffer) log.push(`arraybuffer ${[...new Uint8Array(data)]}`);
		else if (data instanceof Blob) log.push(`blob ${data.size}`);
	});
	socket.addEventListener("close", (event) =>
		log.push(`close ${event.code} ${event.reason} ${event.wasClean} ${socket.readyState}`),
	);
	socket.addEventListener("error", (event) => log.push(`error ${event.message}`));
	return { socket, log };
}

const count = (log: string[], prefix: string) => log.filter((line) => line.startsWith(prefix)).length;

describe("StateroomSocket as a WebSocket", () => {
	it("has the WebSocket constants as static and instance members", () => {
		const { socket } = open();
		expect([StateroomSocket.CONNECTING, StateroomSocket.OPEN, StateroomSocket.CLOSING, StateroomSocket.CLOSED]).toEqual(
			[0, 1, 2, 3],
		);
		expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
		expect(socket.readyState).toBe(StateroomSocket.CONNECTING);
	});

	it("opens from a plain URL string, fires open to onopen and listeners, and exchanges text", async () => {
		const { socket, log } = open(server.url, "chat.v1");
		const handled: string[] = [];
		socket.onopen = (event) => handled.push(`onopen ${event.type}`);
		socket.onmessage = (event) => handled.push(`onmessage ${String(event.data)}`);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		expect(log).toEqual(["open 1"]);
		expect(socket.url).toBe(server.url);
		expect(socket.protocol).toBe("chat.v1");
		expect(socket.extensions).toBe("");
		expect(socket.bufferedAmount).toBe(0);

		expect(socket.send("hello")).toBe("sent");
		const connection = await server.connection(1);
		await waitFor("hello at the server", () => connection.received.length === 1);
		expect(connection.received).toEqual(["hello"]);
		connection.socket.send("welcome");
		await waitFor("welcome", () => log.includes("message welcome"));
		expect(handled).toEqual(["onopen open", "onmessage welcome"]);
	});

	it("delivers binary frames as ArrayBuffer or Blob, as binaryType says", async () => {
		const { socket, log } = open();
		expect(socket.binaryType).toBe("blob");
		const connection = await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		connection.socket.send(new Uint8Array([1, 2, 3]));
		await waitFor("the blob", () => log.includes("blob 3"));
		socket.binaryType = "arraybuffer";
		connection.socket.send(new Uint8Array([4, 5]));
		await waitFor("the buffer", () => log.includes("arraybuffer 4,5"));
		socket.send(new Uint8Array([9, 8, 7]));
		await waitFor("bytes at the server", () => connection.received.length === 1);
		expect(connection.received).toEqual([new Uint8Array([9, 8, 7])]);
	});

	it("fires close with readyState CONNECTING on a drop, queues sends, and fires open again", async () => {
		const { socket, log } = open();
		const first = await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		// Sent while reconnecting (here from the close listener, before any retry can open): held
		// where a WebSocket would throw, and counted in bufferedAmount.
		const whileDown: unknown[] = [];
		socket.onclose = () => whileDown.push(socket.send("one"), socket.send("two"), socket.bufferedAmount);
		first.socket.terminate();
		const second = await server.connection(2);
		await waitFor("open again", () => count(log, "open") === 2);
		expect(log).toEqual(["open 1", "close 1006  false 0", "open 1"]);
		expect(whileDown).toEqual(["queued", "queued", 6]);
		await waitFor("the queue at the server", () => second.received.length === 2);
		expect(second.received).toEqual(["one", "two"]);
		expect(first.received).toEqual([]);
		expect(socket.readyState).toBe(StateroomSocket.OPEN);
		expect(socket.bufferedAmount).toBe(0);
	});

	it("close(code, reason) goes CLOSING, then CLOSED with a clean close event, and stays closed", async () => {
		const { socket, log } = open();
		const connection = await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		const serverSaw = new Promise<string>((resolve) =>
			connection.socket.once("close", (code, reason) => resolve(`${code} ${reason.toString()}`)),
		);
		socket.close(4000, "bye");
		expect(socket.readyState).toBe(StateroomSocket.CLOSING);
		await waitFor("the close", () => count(log, "close") === 1);
		expect(await serverSaw).toBe("4000 bye");
		expect(log).toEqual(["open 1", "close 4000 bye true 3"]);
		expect(socket.readyState).toBe(StateroomSocket.CLOSED);
		expect(socket.send("late")).toBe("closed");
		socket.close(); // A second close does nothing, as for a WebSocket.
		expect(() => socket.close(1001)).not.toThrow();
	});

	it("rejects an invalid close code and keeps the connection", async () => {
		const { socket } = open();
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		expect(() => socket.close(1001)).toThrow(/1000 or 3000-4999/);
		expect(socket.readyState).toBe(StateroomSocket.OPEN);
	});

	it("stays closed after a do-not-retry close from the server", async () => {
		const { socket, log } = open();
		const connection = await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		connection.socket.close(1008, "bad token");
		await waitFor("the close", () => count(log, "close") === 1);
		expect(log).toEqual(["open 1", "close 1008 bad token true 3"]);
		expect(socket.readyState).toBe(StateroomSocket.CLOSED);
	});

	it("reconnect() fires close for the dropped connection, then open, and revives a closed socket", async () => {
		const { socket, log } = open();
		await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		socket.reconnect();
		expect(socket.readyState).toBe(StateroomSocket.CONNECTING);
		await server.connection(2);
		await waitFor("open again", () => count(log, "open") === 2);
		expect(log).toEqual(["open 1", "close 1000 reconnect() was called true 0", "open 1"]);

		socket.close();
		await waitFor("closed", () => socket.readyState === StateroomSocket.CLOSED);
		socket.reconnect();
		await waitFor("open a third time", () => count(log, "open") === 3);
		expect(server.connections).toHaveLength(3);
	});

	it("fires error when the queue refuses a send", async () => {
		const { socket, log } = open(server.url, undefined, { ...FAST, queue: { maxMessages: 1 } });
		expect(socket.send("a")).toBe("queued");
		expect(socket.send("b")).toBe("overflow");
		expect(log).toEqual([
			"error send() refused a message: the queue held 1 messages (1 bytes), its messages bound. It is kept only while reconnecting; raise the queue option or wait for open.",
		]);
		const connection = await server.connection(1);
		await waitFor("the queued message", () => connection.received.length === 1);
		expect(connection.received).toEqual(["a"]);
	});

	it("refuses a Blob with a TypeError that says what to send instead", () => {
		const { socket } = open();
		// @ts-expect-error send() takes strings and bytes; a Blob would be read asynchronously.
		expect(() => socket.send(new Blob(["x"]))).toThrow(/await blob.arrayBuffer\(\)/);
	});

	it("removeEventListener and a null handler stop delivery", async () => {
		const { socket, log } = open();
		const seen: string[] = [];
		const listener = (event: MessageEvent) => seen.push(`listener ${String(event.data)}`);
		socket.addEventListener("message", listener);
		socket.onmessage = (event) => seen.push(`handler ${String(event.data)}`);
		const connection = await server.connection(1);
		await waitFor("open", () => socket.readyState === StateroomSocket.OPEN);
		connection.socket.send("a");
		await waitFor("a", () => log.includes("message a"));
		socket.removeEventListener("message", listener);
		socket.onmessage = null;
		connection.socket.send("b");
		await waitFor("b", () => log.includes("message b"));
		expect(seen).toEqual(["handler a", "listener a"]);
	});

	it("works as the WebSocket class of code written for WebSocket", async () => {
		// The shape of y-websocket's provider: it takes a WebSocket class, makes its own sockets
		// with `new WS(url)`, uses the handler properties, and closes the socket on close.
		function connectWith(WS: typeof WebSocket, url: string, seen: string[]): WebSocket {
			const ws = new WS(url);
			ws.binaryType = "arraybuffer";
			ws.onopen = () => {
				seen.push(`open ${ws.readyState === WS.OPEN}`);
				ws.send(new Uint8Array([0, 1]));
			};
			ws.onmessage = (event: MessageEvent) => seen.push(`message ${new Uint8Array(event.data as ArrayBuffer)}`);
			ws.onclose = (event: CloseEvent) => {
				seen.push(`close ${event.code}`);
				ws.close();
			};
			return ws;
		}
		expectTypeOf(StateroomSocket).toExtend<typeof WebSocket>();
		const seen: string[] = [];
		const ws = connectWith(StateroomSocket, server.url, seen);
		sockets.push(ws as StateroomSocket);
		const connection = await server.connection(1);
		await waitFor("bytes at the server", () => connection.received.length === 1);
		expect(connection.received).toEqual([new Uint8Array([0, 1])]);
		connection.socket.send(new Uint8Array([2, 3]));
		await waitFor("the reply", () => seen.length === 2);
		connection.socket.terminate();
		await waitFor("the close", () => seen.length === 3);
		expect(seen).toEqual(["open true", "message 2,3", "close 1006"]);
		// Its own close() in onclose ends the socket: no reconnect behind the caller's back.
		expect(ws.readyState).toBe(StateroomSocket.CLOSED);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(server.connections).toHaveLength(1);
	});
});
