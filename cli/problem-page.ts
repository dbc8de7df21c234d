/**
 * What `stateroom dev` serves on its port while the Worker cannot run (a module throws at load,
 * a build fails): every HTTP request, `/status` included, gets a 503 whose text says what broke
 * and how to fix it; every WebSocket is accepted and closed at once with 1011 and the reason, as
 * a room whose service cannot start is. Requests never hang, and the port stays ours, so
 * wrangler can take it back as soon as the project is fixed.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { CloseCode, closeReason } from "../src/errors.ts";

/** RFC 6455's GUID for Sec-WebSocket-Accept. */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export interface Problem {
	/** What broke, as one sentence. */
	readonly message: string;
	/** What to do about it. */
	readonly fix: string;
}

export interface ProblemPage {
	close(): Promise<void>;
}

/** Listens on host:port until closed; rejects if the port cannot be had. */
export async function serveProblem(host: string, port: number, problem: Problem): Promise<ProblemPage> {
	const text = `The Worker is not running.\n\nerror: ${problem.message}\nfix: ${problem.fix}\n`;
	const server = createServer((_request, response) => {
		response.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "2" });
		response.end(text);
	});
	server.on("upgrade", (request: IncomingMessage, socket: Duplex) => refuseSocket(request, socket, problem.message));
	// Tracked by hand: the server's own count keeps upgraded sockets, and would wait for them.
	const sockets = new Set<Socket>();
	server.on("connection", (socket: Socket) => {
		sockets.add(socket);
		socket.once("close", () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, host, () => resolve());
	});
	return { close: () => closeServer(server, sockets) };
}

/** Completes the WebSocket handshake and closes at once with 1011 and the reason. */
function refuseSocket(request: IncomingMessage, socket: Duplex, message: string): void {
	const key = request.headers["sec-websocket-key"];
	if (typeof key !== "string") {
		socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
		return;
	}
	const accept = createHash("sha1")
		.update(key + WEBSOCKET_GUID)
		.digest("base64");
	socket.write(
		`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
	);
	const reason = Buffer.from(closeReason(`the Worker is not running: ${message}`));
	const code = CloseCode.serviceUnavailable;
	// A close frame: FIN + opcode 8, an unmasked payload of at most 125 bytes (code + reason).
	socket.end(Buffer.concat([Buffer.from([0x88, 2 + reason.length, code >> 8, code & 0xff]), reason]));
	socket.on("error", () => {}); // A client that vanishes mid-close is no concern of ours.
}

/** Stops listening and drops every connection; resolves once the port is free again. */
function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
	return new Promise((resolve) => {
		server.close();
		for (const socket of sockets) socket.destroy();
		// The listening socket is released as the loop turns, not when "close" fires (that waits
		// for connections to be counted out, which upgraded ones never are).
		setImmediate(resolve);
	});
}
