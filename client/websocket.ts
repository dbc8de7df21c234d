/**
 * A reconnecting socket with the browser WebSocket's interface, for code written against
 * `WebSocket` (or a library that takes a WebSocket class, such as y-websocket's
 * `WebSocketPolyfill`): the same events, handler properties, `readyState` and `send()`, over a
 * {@link RoomSocket} that reconnects and queues. Across reconnects it behaves like partysocket:
 * every connection that ends fires `close`, every one that opens fires `open`.
 */
import type { CloseInfo } from "./close-codes.ts";
import type { Incoming, RoomSocketOptions, SendResult } from "./options.ts";
import type { Outgoing } from "./queue.ts";
import { currentWebSocket, RoomSocket } from "./socket.ts";
import type { RoomEndpoint } from "./url.ts";

/** What `error` events carry: the event, plus what went wrong. */
export interface StateroomErrorEvent extends Event {
	readonly error: Error;
	readonly message: string;
}

/** The events of a {@link StateroomSocket}, by name: those of a WebSocket. */
export interface StateroomSocketEventMap {
	open: Event;
	message: MessageEvent<string | ArrayBuffer | Blob>;
	close: CloseEvent;
	error: StateroomErrorEvent;
}

/** The options of a {@link StateroomSocket}: a RoomSocket's, without typed messages (a WebSocket has none). */
export type StateroomSocketOptions = Omit<RoomSocketOptions, "parse" | "serialize">;

type Handler<E> = ((event: E) => unknown) | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A reconnecting WebSocket to one room, usable wherever a `WebSocket` is expected.
 *
 * - `open` fires on every connection, the first and each reconnect; queued sends are already
 *   written. `close` fires for every connection or attempt that ends; inside its listener
 *   `readyState` is `CONNECTING` when another attempt follows and `CLOSED` when none does.
 * - `send()` while not open queues the message (bounded: 1000 messages, 1 MiB by default), and
 *   returns what became of it; a full queue refuses it and fires `error`.
 * - `close()` stops reconnecting; `reconnect()` connects again at once (firing `close` for the
 *   connection it drops, then `open`).
 *
 * @example
 * const socket = new StateroomSocket("wss://rooms.example.com/ws/lobby");
 * socket.binaryType = "arraybuffer";
 * socket.onopen = () => socket.send("hello"); // on every (re)connect
 * socket.addEventListener("message", (event) => console.log(event.data));
 */
export class StateroomSocket extends EventTarget implements WebSocket {
	static readonly CONNECTING = CONNECTING;
	static readonly OPEN = OPEN;
	static readonly CLOSING = CLOSING;
	static readonly CLOSED = CLOSED;
	readonly CONNECTING = CONNECTING;
	readonly OPEN = OPEN;
	readonly CLOSING = CLOSING;
	readonly CLOSED = CLOSED;

	/** Which form binary messages take, as for a WebSocket. Default `"blob"`. */
	binaryType: BinaryType = "blob";
	onopen: Handler<Event> = null;
	onmessage: Handler<MessageEvent> = null;
	onclose: Handler<CloseEvent> = null;
	onerror: Handler<Event> = null;

	readonly #room: RoomSocket;
	#readyState: number = CONNECTING;

	/**
	 * The same arguments as `new WebSocket(url, protocols)`, so the class can stand in for it;
	 * `url` may also be a {@link RoomEndpoint}, and `options` tunes reconnection and the queue.
	 */
	constructor(url: RoomEndpoint, protocols?: string | string[], options: StateroomSocketOptions = {}) {
		super();
		this.#room = new RoomSocket(url, { ...options, protocols: protocols ?? options.protocols });
		// The handler properties are listeners added first, so they run before addEventListener's.
		this.addEventListener("open", (event) => this.onopen?.(event));
		this.addEventListener("message", (event) => this.onmessage?.(event));
		this.addEventListener("close", (event) => this.onclose?.(event));
		this.addEventListener("error", (event) => this.onerror?.(event));
		this.#room.on("open", () => this.#onOpen());
		this.#room.on("message", (message) => this.#onMessage(message));
		this.#room.on("close", (close) => this.#onClose(close));
		this.#room.on("error", ({ error }) => this.#fail(error));
		this.#room.on("overflow", ({ reason, queued }) =>
			this.#fail(
				new Error(
					`send() refused a message: the queue held ${queued.messages} messages (${queued.bytes} bytes), its ${reason} bound. It is kept only while reconnecting; raise the queue option or wait for open.`,
				),
			),
		);
		this.#room.on("state", ({ state }) => {
			// Gave up without a connection to close (e.g. the params function kept throwing).
			if (state === "closed" && currentWebSocket(this.#room) === undefined) this.#readyState = CLOSED;
		});
	}

	/** `CONNECTING` (0) while connecting or waiting to reconnect, `OPEN` (1), `CLOSING` (2), `CLOSED` (3). */
	get readyState(): number {
		return this.#readyState;
	}

	/** The URL of the latest attempt, query parameters included. */
	get url(): string {
		return this.#room.url;
	}

	/** The subprotocol the server chose for the current connection; `""` when none or not connected. */
	get protocol(): string {
		return currentWebSocket(this.#room)?.protocol ?? "";
	}

	get extensions(): string {
		return currentWebSocket(this.#room)?.extensions ?? "";
	}

	/** Bytes not yet handed to the network: the queue's, plus the open socket's own buffer. */
	get bufferedAmount(): number {
		return this.#room.queued.bytes + (currentWebSocket(this.#room)?.bufferedAmount ?? 0);
	}

	override addEventListener<K extends keyof StateroomSocketEventMap>(
		type: K,
		listener: (this: StateroomSocket, event: StateroomSocketEventMap[K]) => unknown,
		options?: boolean | AddEventListenerOptions,
	): void;
	override addEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | AddEventListenerOptions,
	): void;
	override addEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | AddEventListenerOptions,
	): void {
		super.addEventListener(type, listener, options);
	}

	override removeEventListener<K extends keyof StateroomSocketEventMap>(
		type: K,
		listener: (this: StateroomSocket, event: StateroomSocketEventMap[K]) => unknown,
		options?: boolean | EventListenerOptions,
	): void;
	override removeEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | EventListenerOptions,
	): void;
	override removeEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | EventListenerOptions,
	): void {
		super.removeEventListener(type, listener, options);
	}

	/**
	 * Sends now when open; otherwise queues for the next open, where a WebSocket would throw.
	 * Returns what became of the message (`"sent"`, `"queued"`, `"overflow"`, `"closed"`).
	 */
	send(data: Outgoing): SendResult {
		if (typeof Blob === "function" && (data as unknown) instanceof Blob) {
			throw new TypeError(
				"StateroomSocket.send() takes a string, ArrayBuffer or typed array, not a Blob (reading one is asynchronous and would reorder messages): send `await blob.arrayBuffer()`.",
			);
		}
		return this.#room.send(data);
	}

	/**
	 * Closes the connection and stops reconnecting; `close` fires once the connection has
	 * closed. Between attempts there is no connection, so no `close` fires and the socket is
	 * `CLOSED` at once. `code` must be 1000 or 3000-4999, as for a WebSocket.
	 */
	close(code?: number, reason?: string): void {
		if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
		const previous = this.#readyState;
		this.#readyState = currentWebSocket(this.#room) === undefined ? CLOSED : CLOSING;
		try {
			this.#room.close(code, reason);
		} catch (error) {
			this.#readyState = previous;
			throw error;
		}
	}

	/**
	 * Drops the current connection (firing `close` for it) and connects again at once, with
	 * the backoff reset; also revives a closed socket. Queued messages are sent on open.
	 */
	reconnect(): void {
		const dropped = currentWebSocket(this.#room) !== undefined && this.#readyState !== CLOSED;
		this.#room.reconnect();
		this.#readyState = CONNECTING;
		if (dropped) this.#dispatchClose({ code: 1000, reason: "reconnect() was called", wasClean: true });
	}

	#onOpen(): void {
		this.#readyState = OPEN;
		this.dispatchEvent(new Event("open"));
	}

	#onMessage(message: Incoming): void {
		const data = message.kind === "text" ? message.text : this.#binary(message.bytes);
		this.dispatchEvent(new MessageEvent("message", { data, origin: new URL(this.url).origin }));
	}

	#binary(bytes: Uint8Array): ArrayBuffer | Blob {
		if (this.binaryType === "blob") return new Blob([bytes as Uint8Array<ArrayBuffer>]);
		const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
		return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
	}

	#onClose(close: CloseInfo & { readonly reconnect: boolean }): void {
		this.#readyState = close.reconnect ? CONNECTING : CLOSED;
		this.#dispatchClose(close);
	}

	#dispatchClose({ code, reason, wasClean }: CloseInfo): void {
		this.dispatchEvent(closeEvent({ code, reason, wasClean }));
	}

	#fail(error: Error): void {
		const event = Object.assign(new Event("error"), { error, message: error.message });
		this.dispatchEvent(event);
	}
}

/** A `CloseEvent`: the platform's where it has one (browsers), a plain Event with its fields elsewhere (Node 22). */
function closeEvent(init: CloseInfo): CloseEvent {
	const Native = (globalThis as { CloseEvent?: typeof CloseEvent }).CloseEvent;
	if (typeof Native === "function") return new Native("close", init);
	return Object.assign(new Event("close"), init) as CloseEvent;
}
