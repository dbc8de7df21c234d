/**
 * A real WebSocket server (the `ws` package) on 127.0.0.1 for the client's tests: it records
 * every connection and what each received, and lets a test answer, drop or close them.
 */
import { type WebSocket, WebSocketServer } from "ws";

export interface Connection {
	readonly socket: WebSocket;
	/** Every frame received, text as strings and binary as bytes. */
	readonly received: (string | Uint8Array)[];
	readonly url: string;
	/** How the client closed it, once it has. */
	closed: { readonly code: number; readonly reason: string } | undefined;
}

export interface TestServer {
	readonly url: string;
	readonly connections: Connection[];
	/** Resolves with the `n`th connection (from 1) once it is open. */
	connection(n: number): Promise<Connection>;
	close(): Promise<void>;
}

export async function startServer(options: { protocols?: boolean } = {}): Promise<TestServer> {
	const server = new WebSocketServer({
		host: "127.0.0.1",
		port: 0,
		// Accepts the first subprotocol offered, as a server that speaks it would.
		handleProtocols: options.protocols ? (offered) => [...offered][0] ?? false : undefined,
	});
	await new Promise<void>((resolve) => server.once("listening", resolve));
	const connections: Connection[] = [];
	const waiters: (() => void)[] = [];
	server.on("connection", (socket, request) => {
		const connection: Connection = { socket, received: [], url: request.url ?? "", closed: undefined };
		socket.on("close", (code, reason) => {
			connection.closed = { code, reason: reason.toString() };
		});
		socket.on("message", (data, isBinary) => {
			const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
			connection.received.push(isBinary ? new Uint8Array(buffer) : buffer.toString("utf8"));
		});
		connections.push(connection);
		for (const wake of waiters.splice(0)) wake();
	});
	const address = server.address();
	if (typeof address !== "object" || address === null) throw new Error("the test server has no address");
	return {
		url: `ws://127.0.0.1:${address.port}/ws/room`,
		connections,
		async connection(n) {
			await until(`connection ${n}`, () => connections.length >= n, waiters);
			return connections[n - 1] as Connection;
		},
		async close() {
			for (const client of server.clients) client.terminate();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

async function until(what: string, condition: () => boolean, waiters: (() => void)[], ms = 5000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise<void>((resolve) => {
			waiters.push(resolve);
			setTimeout(resolve, 20);
		});
	}
}

/** Polls `condition` until it holds, or fails naming `what`. */
export async function waitFor(what: string, condition: () => boolean, ms = 5000): Promise<void> {
	await until(what, condition, [], ms);
}
