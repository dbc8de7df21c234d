/**
 * RoomSocket's `parse` and `serialize` against a real WebSocket server on 127.0.0.1: what
 * listeners receive and what goes on the wire, and a message `parse` rejects is reported and
 * dropped without losing the connection.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectRoom, type Incoming } from "../../client/index.ts";
import { startServer, type TestServer, waitFor } from "./server.ts";

let server: TestServer;
const rooms: { close(): void }[] = [];

beforeEach(async () => {
	server = await startServer();
});

afterEach(async () => {
	for (const room of rooms.splice(0)) room.close();
	await server.close();
});

interface Counter {
	readonly value: number;
}

function parseCounter(message: Incoming): Counter {
	if (message.kind !== "text") throw new Error("expected text");
	const parsed: unknown = JSON.parse(message.text);
	if (typeof parsed !== "object" || parsed === null || typeof (parsed as Counter).value !== "number") {
		throw new Error(`not a counter: ${message.text}`);
	}
	return parsed as Counter;
}

describe("typed messages", () => {
	it("parses what arrives, serializes what is sent, and drops (and reports) what parse rejects", async () => {
		const room = connectRoom(server.url, {
			parse: parseCounter,
			serialize: (command: { readonly add: number }) => `add ${command.add}`,
		});
		rooms.push(room);
		const values: number[] = [];
		const errors: string[] = [];
		room.on("message", (counter) => values.push(counter.value));
		room.on("error", ({ error }) => errors.push(error.message));

		expect(room.send({ add: 2 })).toBe("queued");
		const connection = await server.connection(1);
		await waitFor("the command", () => connection.received.length === 1);
		expect(connection.received).toEqual(["add 2"]);

		connection.socket.send(JSON.stringify({ value: 1 }));
		connection.socket.send("not json");
		connection.socket.send(JSON.stringify({ value: "two" }));
		connection.socket.send(JSON.stringify({ value: 3 }));
		await waitFor("the last value", () => values.includes(3));
		expect(values).toEqual([1, 3]);
		expect(errors).toHaveLength(2);
		expect(errors[0]).toMatch(/^The parse option threw on a message from the room: .*JSON.*The message was dropped\.$/);
		expect(errors[1]).toBe(
			'The parse option threw on a message from the room: not a counter: {"value":"two"}. The message was dropped.',
		);
		expect(room.state).toBe("open");
	});
});
