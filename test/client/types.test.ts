/** The public API's types: events carry what they say, state and send results are closed unions. */
import { describe, expectTypeOf, it } from "vitest";
import {
	type ConnectionState,
	connectRoom,
	type Incoming,
	type RoomSocket,
	type RoomSocketEvents,
	type SendResult,
} from "../../client/index.ts";

describe("client types", () => {
	it("exposes state and send results as string unions", () => {
		expectTypeOf<ConnectionState>().toEqualTypeOf<"connecting" | "open" | "reconnecting" | "closed">();
		expectTypeOf<SendResult>().toEqualTypeOf<"sent" | "queued" | "overflow" | "closed">();
		expectTypeOf<RoomSocket["state"]>().toEqualTypeOf<ConnectionState>();
		expectTypeOf<RoomSocket["send"]>().returns.toEqualTypeOf<SendResult>();
	});

	it("types each event's payload by its name", () => {
		expectTypeOf<RoomSocketEvents["message"]>().toEqualTypeOf<Incoming>();
		expectTypeOf<RoomSocketEvents["close"]>().toHaveProperty("code").toEqualTypeOf<number>();
		expectTypeOf<RoomSocketEvents["close"]>().toHaveProperty("reconnect").toEqualTypeOf<boolean>();
		expectTypeOf<RoomSocketEvents["state"]>().toEqualTypeOf<{
			readonly state: ConnectionState;
			readonly previous: ConnectionState;
		}>();
		expectTypeOf<RoomSocketEvents["overflow"]["reason"]>().toEqualTypeOf<"messages" | "bytes">();
	});

	it("narrows messages by kind", () => {
		const handle = (message: Incoming) => {
			if (message.kind === "text") expectTypeOf(message.text).toBeString();
			else expectTypeOf(message.bytes).toEqualTypeOf<Uint8Array>();
		};
		expectTypeOf(handle).parameter(0).toEqualTypeOf<Incoming>();
	});

	it("accepts the documented targets and options, and rejects unknown event names", () => {
		expectTypeOf(connectRoom).parameter(0).toExtend<string | URL | { host: string; room: string }>();
		expectTypeOf(connectRoom).returns.toEqualTypeOf<RoomSocket>();
		const on = (room: RoomSocket) => {
			room.on("state", (event) => expectTypeOf(event.state).toEqualTypeOf<ConnectionState>());
			// @ts-expect-error "opened" is not an event: the name is checked against RoomSocketEvents.
			room.on("opened", () => {});
			// @ts-expect-error params values must be strings, numbers, booleans, null or undefined.
			connectRoom("ws://h/ws/a", { params: { token: { nested: true } } });
		};
		expectTypeOf(on).toBeFunction();
	});
});
