/**
 * The public API (`stateroom/client`): exactly two values, and types whose events carry what
 * they say, whose state and send results are closed unions. Internals are tested through their
 * own modules, so growing this surface is a decision this file makes visible.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { CloseInfo } from "../../client/close-codes.ts";
import * as client from "../../client/index.ts";
import {
	type ConnectionState,
	connectRoom,
	type Incoming,
	type RoomEndpoint,
	type RoomEndpointParts,
	type RoomSocket,
	type RoomSocketEvents,
	type RoomSocketOptions,
	type SendResult,
} from "../../client/index.ts";

describe("the public surface", () => {
	it("exports two values: connectRoom and RoomSocket", () => {
		expectTypeOf<keyof typeof client>().toEqualTypeOf<"connectRoom" | "RoomSocket">();
		expect(Object.keys(client).sort()).toEqual(["RoomSocket", "connectRoom"]);
		expectTypeOf(connectRoom).parameters.toEqualTypeOf<[RoomEndpoint, RoomSocketOptions?]>();
		expectTypeOf<ConstructorParameters<typeof RoomSocket>>().toEqualTypeOf<[RoomEndpoint, RoomSocketOptions?]>();
	});

	it("names where to connect: a URL or { host, room, service?, secure? }", () => {
		expectTypeOf<RoomEndpoint>().toEqualTypeOf<string | URL | RoomEndpointParts>();
		expectTypeOf<RoomEndpointParts>().toEqualTypeOf<{
			readonly host: string;
			readonly room: string;
			readonly service?: string;
			readonly secure?: boolean;
		}>();
	});

	it("lets shouldReconnect build on the default answer", () => {
		expectTypeOf<NonNullable<RoomSocketOptions["shouldReconnect"]>>().toEqualTypeOf<
			(close: CloseInfo, byDefault: boolean) => boolean
		>();
	});
});

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
