/**
 * A room as the Worker's own code reaches it, by service and room id: send its clients a
 * message, or call its HTTP handler. Worker code is the deployer's own, so nothing here passes the
 * access checks a client's request does (origin, token, `authorize`); the room's own bounds
 * (request body size, the handler's deadline and output) hold as for any request.
 */
import type { MessageCodec } from "./api/messages.ts";
import { MessagePayload, type PayloadLike } from "./api/payload.ts";
import { MessageRecipient, type RecipientLike } from "./api/recipient.ts";
import { type BindingNames, roomsOf } from "./bindings.ts";
import { quoteForLog } from "./log.ts";
import { parseRoomId, type RoomAddress, roomName, type ServiceName } from "./naming.ts";
import type { ServiceCatalog } from "./registry.ts";
import { withAddress } from "./room/address.ts";

/**
 * A room of a service, from the Worker's code. `Out` is what the service sends its clients:
 * what its codec (`static messages`) takes, or strings and bytes.
 */
export interface RoomHandle<Out = PayloadLike> {
	readonly service: ServiceName;
	readonly roomId: string;
	/**
	 * Sends the room's clients a message, as the service's `ctx.sendMessage` would, in turn with
	 * the room's events: the clients whose `connect` the service has seen when it runs get it.
	 * The service itself is not told. Resolves once the message has gone out; a room that was
	 * never opened has no clients, and is not created.
	 */
	send(recipient: RecipientLike, message: Out): Promise<void>;
	/** {@link RoomHandle.send} to every client of the room. */
	broadcast(message: Out): Promise<void>;
	/**
	 * Calls the room's HTTP handler (the service's `request` method) with a request whose path
	 * (`/announce`, or a full URL's) is the handler's `info.path`; the room is created if it never
	 * was. Resolves to the handler's response, or to the refusal that says why there is none
	 * (404 for a service without a handler, 413 for a body over `limits.maxMessageBytes`, 500 for
	 * a handler that failed, 503 during a cool-down).
	 */
	fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

/** What a service sends, from its definition: its codec's `Out`, or strings and bytes. */
export type OutgoingOf<Definition> = Definition extends { readonly implementation: infer Implementation }
	? CodecOut<Implementation>
	: CodecOut<Definition>;

type CodecOut<Implementation> = Implementation extends { readonly messages: MessageCodec<unknown, infer Out> }
	? Out
	: PayloadLike;

/** The part of the Room Durable Object a handle calls (src/room/room.ts). */
interface RoomPost {
	post(recipient: MessageRecipient, message: string | Uint8Array): Promise<void>;
}

/** Where a path given to `fetch` is resolved: the room has no URL of its own. */
const ROOM_ORIGIN = "https://room.stateroom.invalid";

export function roomHandle<Out>(
	catalog: ServiceCatalog,
	bindings: BindingNames,
	env: object,
	service: ServiceName,
	roomId: string,
): RoomHandle<Out> {
	if (!catalog.has(service)) {
		throw new Error(
			`stateroom.room: no service named ${quoteForLog(service)}. Registered services: ${catalog.names().join(", ")}.`,
		);
	}
	const address: RoomAddress = { service, roomId: checkRoomId(roomId) };
	const entry = catalog.get(service);
	const codec = entry.messages;
	const stub = () => {
		const rooms = roomsOf(env, bindings);
		return rooms.get(rooms.idFromName(roomName(service, address.roomId)));
	};
	const send = async (recipient: RecipientLike, message: Out) => {
		const frame = MessagePayload.from(codec ? codec.encode(message as never) : (message as PayloadLike));
		// The namespace is untyped (it serves whichever Room class the entry module exports).
		const room = stub() as unknown as RoomPost;
		await room.post(MessageRecipient.from(recipient), frame.value);
	};
	return {
		service,
		roomId: address.roomId,
		send,
		broadcast: (message) => send(MessageRecipient.broadcast(), message),
		async fetch(input, init) {
			if (!entry.factory.handlesRequests) {
				return new Response(
					`Service ${quoteForLog(service)} has no HTTP handler: only a TypeScript service with a request() method answers requests.\n`,
					{ status: 404, headers: { "content-type": "text/plain; charset=utf-8" } },
				);
			}
			const request =
				input instanceof Request ? new Request(input, init) : new Request(new URL(input, ROOM_ORIGIN), init);
			const path = new URL(request.url).pathname;
			return stub().fetch(withAddress(request, address, undefined, path));
		},
	};
}

/** A room id as the URL would carry it, by the same rules; an Error that says which it breaks. */
function checkRoomId(roomId: string): string {
	try {
		return parseRoomId(encodeURIComponent(roomId));
	} catch (error) {
		throw new Error(`stateroom.room: ${error instanceof Error ? error.message : String(error)}`);
	}
}
