/**
 * The public API (`stateroom/client`): exactly three values, and types whose events carry what
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
	type Outgoing,
	type RoomEndpoint,
	type RoomEndpointParts,
	RoomSocket,
	type RoomSocketEvents,
	type RoomSocketOptions,
	type SendResult,
	StateroomSocket,
} from "../../client/index.ts";

describe("the public surface", () => {
	it("exports three values: connectRoom, RoomSocket and StateroomSocket", () => {
		expectTypeOf<keyof typeof client>().toEqualTypeOf<"connectRoom" | "RoomSocket" | "StateroomSocket">();
		expect(Object.keys(client).sort()).toEqual(["RoomSocket", "StateroomSocket", "connectRoom"]);
		// Without type arguments the options are optional and untyped messages come and go.
		expectTypeOf(connectRoom<Incoming, Outgoing>).parameters.toEqualTypeOf<[RoomEndpoint, RoomSocketOptions?]>();
		expectTypeOf<ConstructorParameters<typeof RoomSocket<Incoming, Outgoing>>>().toEqualTypeOf<
			[RoomEndpoint, RoomSocketOptions?]
		>();
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
		expectTypeOf(connectRoom("ws://h/ws/a")).toEqualTypeOf<RoomSocket>();
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

interface ChatEvent {
	readonly from: string;
	readonly text: string;
}
type Command = { readonly say: string } | { readonly nick: string };

const parseChat = (message: Incoming): ChatEvent => JSON.parse(message.kind === "text" ? message.text : "{}");
const serializeCommand = (command: Command) => JSON.stringify(command);

describe("typed messages", () => {
	it("infers the message type from parse and the send type from serialize", () => {
		const typed = (url: string) => {
			const room = connectRoom(url, { parse: parseChat, serialize: serializeCommand });
			expectTypeOf(room).toEqualTypeOf<RoomSocket<ChatEvent, Command>>();
			room.on("message", (event) => expectTypeOf(event).toEqualTypeOf<ChatEvent>());
			expectTypeOf(room.send).parameter(0).toEqualTypeOf<Command>();
			room.send({ say: "hi" });
			// @ts-expect-error with serialize, send() takes a Command, not raw text.
			room.send("hi");
			// @ts-expect-error a ChatEvent has no `kind`: messages are what parse returns.
			room.on("message", (event) => event.kind);
		};
		expectTypeOf(typed).toBeFunction();
	});

	it("requires parse when the message type is not Incoming, and serialize when the send type is not Outgoing", () => {
		const required = (url: string) => {
			// @ts-expect-error nothing would turn frames into ChatEvents.
			new RoomSocket<ChatEvent>(url);
			// @ts-expect-error nor into ChatEvents with options that lack parse.
			connectRoom<ChatEvent>(url, { maxRetries: 3 });
			// @ts-expect-error nothing would turn a Command into a frame.
			new RoomSocket<Incoming, Command>(url, {});
			new RoomSocket<Incoming, Command>(url, { serialize: serializeCommand });
			// A send type that is already a frame, and a message type Incoming fits, need nothing.
			const narrow = new RoomSocket<unknown, string>(url);
			expectTypeOf(narrow.send).parameter(0).toEqualTypeOf<string>();
			// @ts-expect-error bytes are not a string.
			narrow.send(new Uint8Array(1));
		};
		expectTypeOf(required).toBeFunction();
	});

	it("keeps the untyped default: Incoming in, Outgoing out", () => {
		expectTypeOf<RoomSocket>().toEqualTypeOf<RoomSocket<Incoming, Outgoing>>();
		expectTypeOf<Outgoing>().toEqualTypeOf<string | ArrayBuffer | ArrayBufferView>();
	});
});

describe("StateroomSocket's types", () => {
	it("is a WebSocket, and its class a WebSocket class", () => {
		expectTypeOf<StateroomSocket>().toExtend<WebSocket>();
		expectTypeOf(StateroomSocket).toExtend<typeof WebSocket>();
		expectTypeOf<ConstructorParameters<typeof StateroomSocket>[0]>().toEqualTypeOf<RoomEndpoint>();
	});

	it("types its events by name", () => {
		const listen = (socket: StateroomSocket) => {
			socket.addEventListener("close", (event) => expectTypeOf(event.code).toBeNumber());
			socket.addEventListener("message", (event) =>
				expectTypeOf(event.data).toEqualTypeOf<string | ArrayBuffer | Blob>(),
			);
			socket.addEventListener("error", (event) => expectTypeOf(event.error).toEqualTypeOf<Error>());
			// @ts-expect-error a close event's code is a number.
			socket.addEventListener("close", (event) => event.code.toUpperCase());
		};
		expectTypeOf(listen).toBeFunction();
	});
});
