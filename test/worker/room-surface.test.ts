/**
 * The room's RPC surface: Workers RPC lets any holder of a stub call a Durable Object's public
 * methods (TypeScript `private` ones included), so only the operator's methods and a room handle's
 * `post` (room-handle.test.ts) may be reachable; the room's internals (opening it, disconnecting a
 * client) must not be.
 */
import { describe, expect, it } from "vitest";
import { connect, roomStub, uniqueRoom } from "./socket.ts";

type Callable = Record<string, (...args: unknown[]) => Promise<unknown>>;

describe("the Room's RPC surface", () => {
	it("exposes the operator's methods and no internal one", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/echo/ws/${room}`);
		await a.next();
		const stub = roomStub("echo", room) as unknown as Callable;
		expect(await stub.adminDetails?.()).toMatchObject({ service: "echo", roomId: room, clients: 1 });
		for (const internal of ["open", "disconnect", "halt"]) {
			expect(await refusal(() => stub[internal]?.()), internal).toBe(
				`The RPC receiver does not implement "${internal}".`,
			);
		}
		// None of those calls touched the room: its client is still connected and served.
		a.send("still here");
		expect(await a.next()).toMatch(/still here/);
	});
});

/** The message a call was refused with, or "" if it succeeded. */
async function refusal(call: () => Promise<unknown> | undefined): Promise<string> {
	try {
		await call();
		return "";
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
}
