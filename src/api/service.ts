import type { ClientId } from "./client-id.ts";
import type { Identity } from "./identity.ts";
import type { MessageCodec } from "./messages.ts";
import type { MessagePayload, PayloadLike } from "./payload.ts";
import type { RecipientLike } from "./recipient.ts";

type Awaitable<T> = T | Promise<T>;

/** A client of the room, as {@link ServiceContext.clients} lists it. */
export interface ConnectedClient {
	readonly id: ClientId;
	/** Who the client is (see {@link ServiceContext.identity}); `undefined` for an anonymous client. */
	readonly identity: Identity | undefined;
}

/**
 * One client's connection, as {@link ServiceContext.connection} gives it: a small JSON value kept
 * with the client's WebSocket, through hibernation and eviction, for as long as it is connected.
 */
export interface Connection {
	/**
	 * The connection's state: `undefined` until set. Reading gives a fresh copy (change it, then
	 * assign it back); assigning stores plain JSON data (objects, arrays, strings, finite numbers,
	 * booleans, `null`) of at most 1,024 bytes as JSON, or `undefined` to clear it. The change is
	 * kept only if the event succeeds. Throws a `TypeError` for data that is not plain JSON and a
	 * `RangeError` for data over the bound.
	 */
	state: unknown;
}

/**
 * What a service can do while it handles an event. `Env` types {@link ServiceContext.env}: the
 * Worker's bindings, as `wrangler types` generates them (`ServiceContext<Env>`); `Out` types what
 * {@link ServiceContext.sendMessage} takes (see {@link Service}).
 */
export interface ServiceContext<Env = Record<string, unknown>, Out = PayloadLike> {
	/** The room's id, as it appears in the URL (`/ws/:room`). */
	readonly roomId: string;
	/**
	 * The Worker's `env`: its bindings, variables and secrets (TypeScript services only; a
	 * WebAssembly module never sees it). The same object for every event of the room.
	 *
	 * @example
	 * class Greeter implements Service<Env> {
	 *   connect(client: ClientId, ctx: ServiceContext<Env>) {
	 *     ctx.sendMessage(client, ctx.env.GREETING);
	 *   }
	 * }
	 */
	readonly env: Env;
	/**
	 * Sends a message. A bare `ClientId` means that one client; text goes out as a text
	 * frame, bytes as a binary frame. A message to a client that is not connected is dropped.
	 * A service with a codec (`static messages`) sends its `Out` type, which the codec frames.
	 *
	 * @example
	 * ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
	 * ctx.sendMessage(client, new Uint8Array([1, 2, 3]));
	 */
	sendMessage(recipient: RecipientLike, message: Out): void;
	/**
	 * Sets the room's one timer: `timer()` runs after `ms` milliseconds. A new call replaces
	 * the pending timer; `0` fires as soon as possible, but a timer set inside `timer()` fires
	 * no sooner than 50 ms after that timer event began. The timer survives hibernation.
	 *
	 * @throws RangeError unless `ms` is a number from 0 to 2^32 - 1 (about 49.7 days).
	 */
	setTimer(ms: number): void;
	/**
	 * Who a connected client is: the user id and claims of its join token and of the
	 * deployment's `authorize` hook, or `undefined` for a client that connected with neither
	 * (or that is no longer connected). Kept with the client through hibernation and eviction.
	 *
	 * @example
	 * connect(client: ClientId, ctx: ServiceContext) {
	 *   const who = ctx.identity(client);
	 *   ctx.sendMessage(MessageRecipient.broadcast(), `${who?.user ?? "a guest"} joined`);
	 *   if (who?.claims.role === "viewer") this.readOnly.add(client);
	 * }
	 */
	identity(client: ClientId): Identity | undefined;
	/**
	 * The room's connected clients, in the order they connected: those whose `connect` the
	 * service has seen, with the client of a `connect` event already among them and the client
	 * of a `disconnect` event no longer. A fresh array on every call.
	 *
	 * @example
	 * const players = ctx.clients().filter((c) => c.identity?.claims.role === "player");
	 */
	clients(): readonly ConnectedClient[];
	/**
	 * Closes a client's connection with a WebSocket close `code` (1000, the default, or an
	 * application code from 4000 to 4999) and a `reason` (at most 123 bytes of UTF-8; default
	 * empty). Like a message, the close happens only if the event succeeds, after the event's
	 * messages; the service then gets the client's `disconnect` as usual. A client that is not
	 * connected is ignored, and so is a second close of the same client in one event.
	 *
	 * @throws RangeError for another code or a longer reason.
	 * @example
	 * if (this.banned.has(ctx.identity(client)?.user ?? "")) ctx.close(client, 4003, "banned");
	 */
	close(client: ClientId, code?: number, reason?: string): void;
	/**
	 * A connected client's connection, whose `state` survives hibernation and eviction (see
	 * {@link Connection}). In the client's `disconnect` the state reads as it last stood, and
	 * assignments are ignored; for a client that is not connected it reads `undefined`.
	 *
	 * @example
	 * connect(client: ClientId, ctx: ServiceContext) {
	 *   ctx.connection(client).state = { joinedAt: Date.now(), nick: "guest" };
	 * }
	 */
	connection(client: ClientId): Connection;
}

/** What a room's HTTP handler is told besides the request itself. */
export interface RoomRequestInfo {
	/**
	 * The path below the room, percent-encoded as in the URL: `/messages` for
	 * `/s/chat/rooms/lobby/messages`, `/` for the room itself. For a request from a room handle,
	 * the path of the URL it was given.
	 */
	readonly path: string;
	/**
	 * Who sent the request: the user id and claims of its join token and of the `authorize`
	 * hook, as for a client; `undefined` when neither said (and for a request from a room handle).
	 */
	readonly identity: Identity | undefined;
}

/**
 * A Stateroom service: a single-threaded object with optional callbacks. Events reach it one
 * at a time, in arrival order, even when a callback is async.
 *
 * `Env` types the Worker's bindings that {@link ServiceContext.env} holds (`Service<Env>`).
 * `In` and `Out` type its messages: what `message` receives and what `ctx.sendMessage` takes.
 * By default they are the frames themselves (`MessagePayload` in, strings and bytes out); a
 * service that declares others converts with a codec, `static messages = jsonMessages<In, Out>()`.
 *
 * Its state is its own fields. After every event that changed them they are saved, and a room
 * that wakes from hibernation or eviction gets them back; `init` runs once in a room's life.
 *
 * @example
 * export class Counter implements Service {
 *   value = 0;
 *   message(client: ClientId, message: MessagePayload, ctx: ServiceContext) {
 *     if (message.text() === "increment") this.value += 1;
 *     ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
 *   }
 * }
 */
export interface Service<Env = Record<string, unknown>, In = MessagePayload, Out = PayloadLike> {
	init?(ctx: ServiceContext<Env, Out>): Awaitable<void>;
	connect?(client: ClientId, ctx: ServiceContext<Env, Out>): Awaitable<void>;
	disconnect?(client: ClientId, ctx: ServiceContext<Env, Out>): Awaitable<void>;
	message?(client: ClientId, message: In, ctx: ServiceContext<Env, Out>): Awaitable<void>;
	timer?(ctx: ServiceContext<Env, Out>): Awaitable<void>;
	/**
	 * The room's HTTP handler: answers requests to `/s/:service/rooms/:room` and the paths below
	 * it (and a room handle's `fetch`). It runs as an event of the room, like a message: one at a
	 * time with the others, its state changes committed, its messages sent, and its response
	 * returned only if it succeeds (a failed request is answered 500 and rolled back). The body
	 * of the request is read before the event; the response's body is read within it.
	 *
	 * @example
	 * async request(request: Request, ctx: ServiceContext, { path }: RoomRequestInfo) {
	 *   if (request.method !== "POST" || path !== "/announce") return new Response("not here", { status: 404 });
	 *   ctx.sendMessage(MessageRecipient.broadcast(), await request.text());
	 *   return new Response("sent");
	 * }
	 */
	request?(request: Request, ctx: ServiceContext<Env, Out>, info: RoomRequestInfo): Awaitable<Response>;
	/**
	 * Custom persistence, for state that plain fields cannot hold: return the data to keep.
	 * Implement `restore` too; the returned value must itself be storable (see docs/services.md).
	 */
	save?(): unknown;
	/** Receives what `save` returned, on a fresh instance, when the room wakes. */
	restore?(saved: unknown): void;
}

/**
 * How a service's state is kept:
 * - `"auto"` (default): every own field, except those listed in `transient`;
 * - `"none"`: nothing; a woken room starts from a freshly constructed instance.
 */
export type Persistence = "auto" | "none";

/** A service as registered: a class with a no-argument constructor. */
export interface ServiceClass {
	// `never`: a class that declares its `Env` (`implements Service<Env>`) registers as it is;
	// the Worker's env is the one the deployment has, which no type here can check. The same for
	// its message types, which its codec (`messages`) makes true.
	new (): Service<never, never, never>;
	/**
	 * How messages are read and written, for a service whose `In` and `Out` are not the frames
	 * themselves (see `jsonMessages`).
	 */
	readonly messages?: MessageCodec<unknown, never>;
	/** See {@link Persistence}. */
	readonly persistence?: Persistence;
	/** Fields that are not saved; after a wake they hold what the constructor gives them. */
	readonly transient?: readonly string[];
}
