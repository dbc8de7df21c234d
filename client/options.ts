/**
 * The vocabulary of a `RoomSocket` (socket.ts): its states, events, send results and options.
 * It imports nothing from socket.ts, which builds on it.
 */
import type { BackoffOptions, Random, RetryOptions } from "./backoff.ts";
import type { CloseInfo } from "./close-codes.ts";
import type { Outgoing, OverflowReason, QueueOptions } from "./queue.ts";
import type { QueryParams } from "./url.ts";

/**
 * - `connecting`: the first attempt (or one asked for with `reconnect()`) is under way.
 * - `open`: connected; `send()` goes straight to the socket.
 * - `reconnecting`: the connection dropped or failed; waiting out a backoff delay or retrying.
 * - `closed`: final until `reconnect()`: `close()` was called, the server refused with a
 *   do-not-retry code, or `maxRetries` ran out.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** A message from the room: text frames as strings, binary frames as bytes. */
export type Incoming =
	| { readonly kind: "text"; readonly text: string }
	| { readonly kind: "bytes"; readonly bytes: Uint8Array };

/**
 * What became of a `send()`: written to the open socket, held in the queue until the next
 * open, refused because the queue is full (an `overflow` event says which bound), or refused
 * because the socket is closed for good.
 */
export type SendResult = "sent" | "queued" | "overflow" | "closed";

export interface QueueSize {
	readonly messages: number;
	readonly bytes: number;
}

/** The events of a `RoomSocket`, by name; `In` is what `parse` makes of a message. */
export interface RoomSocketEvents<In = Incoming> {
	/** Connected; the queue has already been flushed, in order. `url` includes the params. */
	open: { readonly url: string };
	message: In;
	/** A connection ended. `reconnect` says whether another attempt is scheduled. */
	close: CloseInfo & { readonly reconnect: boolean };
	state: { readonly state: ConnectionState; readonly previous: ConnectionState };
	/** A `send()` was refused because the queue was full; `data` (as serialized) was not sent and not kept. */
	overflow: { readonly data: Outgoing; readonly reason: OverflowReason; readonly queued: QueueSize };
	/** Something went wrong that the close event alone does not explain (params or parse threw, gave up). */
	error: { readonly error: Error };
}

/** Query parameters, or a function (sync or async) that computes them before every connect. */
export type ParamsSource = QueryParams | (() => QueryParams | Promise<QueryParams>);

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/**
 * `In` is the type of the messages a {@link RoomSocket} delivers and `Out` the type `send()`
 * takes; `parse` and `serialize` convert between them and the wire (by default, none).
 */
export interface RoomSocketOptions<In = Incoming, Out = Outgoing> extends RetryOptions {
	/**
	 * Added to the URL's query string. A function is called again before every reconnect, so
	 * short-lived tokens can be refreshed; if it throws, the attempt counts as failed and is retried.
	 */
	readonly params?: ParamsSource;
	readonly protocols?: string | string[];
	/**
	 * Reconnection delays: before retry n (from 0) the client waits a uniform draw in
	 * [0, min(capMs, baseMs * 2^n)). Default `{ baseMs: 250, capMs: 30_000 }`; an interactive page
	 * may want a lower cap (the demo page uses 3000).
	 */
	readonly backoff?: BackoffOptions;
	/** An attempt that has not opened after this long is abandoned and retried. Default 10 000 ms. */
	readonly connectTimeoutMs?: number;
	/** Bounds of the queue that holds sends while disconnected. Default 1000 messages, 1 MiB. */
	readonly queue?: QueueOptions;
	/**
	 * Whether to reconnect after a close. `byDefault` is the built-in answer: no retry after 1000,
	 * 1002, 1003, 1007, 1008, 1009, 1010 or 4000-4499 (a retry cannot fix those), a retry after
	 * anything else (network faults, restarts, 1011, 3000-3999, 4500-4999) and after 4010 (the
	 * room was reset: reconnecting joins the fresh room).
	 *
	 * @example
	 * // Also stay away after the app's own code 4600:
	 * connectRoom(endpoint, { shouldReconnect: (close, byDefault) => byDefault && close.code !== 4600 });
	 */
	readonly shouldReconnect?: (close: CloseInfo, byDefault: boolean) => boolean;
	/** The WebSocket class; default `globalThis.WebSocket` (browsers, Node 22+). */
	readonly WebSocket?: WebSocketConstructor;
	/** Uniform numbers in [0, 1) for the jitter; default `Math.random`. */
	readonly random?: Random;
	/**
	 * Turns each message into the type listeners receive. If it throws, the message is dropped
	 * and reported as an `error` event; the connection stays open. Default: the message as is.
	 */
	readonly parse?: (message: Incoming) => In;
	/** Turns what `send()` is given into a frame. Default: the data as is (a string or bytes). */
	readonly serialize?: (data: Out) => Outgoing;
}

/**
 * The codec functions that `In` and `Out` make necessary (`unknown` when none): the defaults can
 * only produce `Incoming` and take `Outgoing`.
 */
type RequiredCodec<In, Out> = (Incoming extends In ? unknown : { readonly parse: (message: Incoming) => In }) &
	([Out] extends [Outgoing] ? unknown : { readonly serialize: (data: Out) => Outgoing });

/**
 * The options argument of `new RoomSocket<In, Out>(endpoint, ...)`: optional unless a message
 * type needs `parse` or `serialize`, so `new RoomSocket<Chat>(url)` without `parse` does not compile.
 */
export type RoomSocketArgs<In, Out> =
	unknown extends RequiredCodec<In, Out>
		? [options?: RoomSocketOptions<In, Out>]
		: [options: RoomSocketOptions<In, Out> & RequiredCodec<In, Out>];
