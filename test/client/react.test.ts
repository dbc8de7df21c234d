/**
 * The `useRoom` hook, rendered by React (react-test-renderer, which runs effects in Node)
 * against a real WebSocket server on 127.0.0.1: it connects on mount, reconnects when the
 * endpoint's URL changes (and only then), and closes on unmount.
 */
import { act, createElement } from "react";
import { create, type ReactTestRenderer } from "react-test-renderer";
import { afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { Incoming, RoomEndpoint, RoomSocket } from "../../client/index.ts";
import { type RoomConnection, useRoom } from "../../client/react.ts";
import { startServer, type TestServer, waitFor } from "./server.ts";

let server: TestServer;
let renderer: ReactTestRenderer | undefined;

beforeAll(() => {
	// Tells React that updates are wrapped in act(), as in any React test environment.
	(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
});

beforeEach(async () => {
	server = await startServer();
});

afterEach(async () => {
	await act(async () => renderer?.unmount());
	renderer = undefined;
	await server.close();
});

/** Every value the hook returned, render by render. */
const renders: RoomConnection[] = [];

function Probe({ endpoint }: { endpoint: RoomEndpoint | null }) {
	renders.push(useRoom(endpoint, { backoff: { baseMs: 20, capMs: 50 } }));
	return null;
}

async function render(endpoint: RoomEndpoint | null): Promise<void> {
	await act(async () => {
		if (renderer) renderer.update(createElement(Probe, { endpoint }));
		else renderer = create(createElement(Probe, { endpoint }));
	});
}

/**
 * Lets the socket work in short act() turns (React applies the hook's state updates as each
 * ends) until `condition`, which reads the rendered values, holds.
 */
async function settle(what: string, condition: () => boolean, ms = 5000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline)
			throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(renders)}`);
		await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
	}
}

const latest = (): RoomConnection => renders.at(-1) as RoomConnection;

describe("useRoom", () => {
	beforeEach(() => {
		renders.length = 0;
	});

	it("connects on mount and reports the socket's state as it changes", async () => {
		await render(server.url);
		expect(renders[0]).toEqual({ socket: undefined, state: "connecting" });
		await settle("open", () => latest().state === "open");
		const socket = latest().socket as RoomSocket;
		expect(socket.url).toBe(server.url);
		expect(socket.send("hello")).toBe("sent");
		const connection = await server.connection(1);
		await waitFor("hello", () => connection.received.length === 1);
		expect(connection.received).toEqual(["hello"]);

		connection.socket.close(1008, "go away");
		await settle("closed", () => latest().state === "closed");
		expect(latest().socket).toBe(socket);
	});

	it("keeps its socket across renders with an equal endpoint object, and reconnects when the URL changes", async () => {
		const host = new URL(server.url).host;
		await render({ host, room: "a" });
		await settle("open", () => latest().state === "open");
		const first = latest().socket;
		await render({ host, room: "a" }); // A new object for the same room.
		expect(latest().socket).toBe(first);
		expect(server.connections).toHaveLength(1);

		const before = renders.length;
		await render({ host, room: "b" });
		await settle("open on b", () => latest().state === "open" && latest().socket !== first);
		// No render for the new room handed out the old room's socket.
		expect(renders.slice(before).filter((r) => r.socket === first)).toEqual([]);
		expect(renders[before]).toEqual({ socket: undefined, state: "connecting" });
		expect(first?.state).toBe("closed");
		expect(server.connections.map((c) => c.url)).toEqual(["/ws/a", "/ws/b"]);
		await waitFor("a closed", () => server.connections[0]?.closed !== undefined);
		expect(server.connections[0]?.closed).toEqual({ code: 1000, reason: "" });
	});

	it("closes the socket on unmount", async () => {
		await render(server.url);
		await settle("open", () => latest().state === "open");
		const socket = latest().socket as RoomSocket;
		await act(async () => renderer?.unmount());
		renderer = undefined;
		expect(socket.state).toBe("closed");
		const connection = await server.connection(1);
		await waitFor("the close at the server", () => connection.closed !== undefined);
		expect(connection.closed).toEqual({ code: 1000, reason: "" });
	});

	it("connects to nothing without an endpoint, and closes when the endpoint goes away", async () => {
		await render(null);
		expect(latest()).toEqual({ socket: undefined, state: "closed" });
		await render(server.url);
		await settle("open", () => latest().state === "open");
		const socket = latest().socket;
		await render(null);
		expect(latest()).toEqual({ socket: undefined, state: "closed" });
		expect(socket?.state).toBe("closed");
		expect(server.connections).toHaveLength(1);
	});

	it("types the socket by parse and serialize", () => {
		const typed = () => useRoom("ws://h/ws/a", { parse: (m: Incoming) => m.kind, serialize: (n: number) => String(n) });
		expectTypeOf(typed).returns.toEqualTypeOf<RoomConnection<"text" | "bytes", number>>();
		// @ts-expect-error a message type other than Incoming needs parse.
		const untyped = () => useRoom<{ value: number }>("ws://h/ws/a");
		expectTypeOf(untyped).toBeFunction();
	});
});
