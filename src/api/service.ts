import type { ClientId } from "./client-id.ts";
import type { Identity } from "./identity.ts";
import type { MessagePayload, PayloadLike } from "./payload.ts";
import type { RecipientLike } from "./recipient.ts";

type Awaitable<T> = T | Promise<T>;

/** What a service can do while it handles an event. */
export interface ServiceContext {
	/** The room's id, as it appears in the URL (`/ws/:room`). */
	readonly roomId: string;
	/**
	 * Sends a message. A bare `ClientId` means that one client; text goes out as a text
	 * frame, bytes as a binary frame. A message to a client that is not connected is dropped.
	 *
	 * @example
	 * ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
	 * ctx.sendMessage(client, new Uint8Array([1, 2, 3]));
	 */
	sendMessage(recipient: RecipientLike, message: PayloadLike): void;
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
}

/**
 * A Stateroom service: a single-threaded object with optional callbacks. Events reach it one
 * at a time, in arrival order, even when a callback is async.
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
export interface Service {
	init?(ctx: ServiceContext): Awaitable<void>;
	connect?(client: ClientId, ctx: ServiceContext): Awaitable<void>;
	disconnect?(client: ClientId, ctx: ServiceContext): Awaitable<void>;
	message?(client: ClientId, message: MessagePayload, ctx: ServiceContext): Awaitable<void>;
	timer?(ctx: ServiceContext): Awaitable<void>;
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
	new (): Service;
	/** See {@link Persistence}. */
	readonly persistence?: Persistence;
	/** Fields that are not saved; after a wake they hold what the constructor gives them. */
	readonly transient?: readonly string[];
}
