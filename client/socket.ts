/**
 * `RoomSocket`: one logical connection to a room that survives the network. It reconnects
 * with exponential backoff and full jitter, queues sends while disconnected (bounded, with an
 * `overflow` signal), recomputes query parameters before every connect, and reports its state
 * as a union. It uses the platform's WebSocket (browsers, Node 22+), never a Node-only module.
 */
import { Backoff } from "./backoff.ts";
import { type CloseInfo, shouldReconnect } from "./close-codes.ts";
import { Emitter, type Listener } from "./events.ts";
import type {
	ConnectionState,
	Incoming,
	ParamsSource,
	QueueSize,
	RoomSocketArgs,
	RoomSocketEvents,
	RoomSocketOptions,
	SendResult,
	WebSocketConstructor,
} from "./options.ts";
import { type Outgoing, SendQueue } from "./queue.ts";
import { type QueryParams, type RoomEndpoint, roomUrl, withParams } from "./url.ts";

const OPEN = 1; // WebSocket.OPEN, spelled out: some WebSocket classes lack the static constants.

let peekSocket: <In, Out>(room: RoomSocket<In, Out>) => WebSocket | undefined;

/**
 * The platform WebSocket of a room's current connection or attempt, if any. For the
 * WebSocket-compatible wrapper (websocket.ts), which reports its `protocol` and
 * `bufferedAmount`; not exported from the package, so callers cannot bypass the queue.
 */
export function currentWebSocket<In, Out>(room: RoomSocket<In, Out>): WebSocket | undefined {
	return peekSocket(room);
}

/**
 * A reconnecting WebSocket to one Stateroom room.
 *
 * @example
 * const room = new RoomSocket({ host: "127.0.0.1:8787", room: "lobby" }, {
 * 	params: async () => ({ token: await freshToken() }),
 * });
 * room.on("message", (message) => {
 * 	if (message.kind === "text") console.log(message.text);
 * });
 * room.on("state", ({ state }) => console.log(state)); // "open", "reconnecting", ...
 * room.send("increment"); // "queued" now, sent in order once open
 * room.close();
 *
 * @example
 * // Typed messages: `parse` makes each message a `ServerEvent`, `serialize` frames a `Command`.
 * const chat = new RoomSocket(url, {
 * 	parse: (message): ServerEvent => JSON.parse(message.kind === "text" ? message.text : "null"),
 * 	serialize: (command: Command) => JSON.stringify(command),
 * });
 */
export class RoomSocket<In = Incoming, Out = Outgoing> {
	readonly #base: URL;
	readonly #options: RoomSocketOptions<In, Out>;
	readonly #WebSocket: WebSocketConstructor;
	readonly #events = new Emitter<RoomSocketEvents<In>>();
	readonly #queue: SendQueue;
	#state: ConnectionState = "connecting";
	#url: string;
	#socket: WebSocket | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #backoff: Backoff;
	#opened = false;
	/** Bumped by every connect, `close()` and `reconnect()`, so stale async work can tell. */
	#generation = 0;

	static {
		peekSocket = (room) => room.#socket;
	}

	constructor(endpoint: RoomEndpoint, ...[options = {}]: RoomSocketArgs<In, Out>) {
		this.#base = roomUrl(endpoint);
		this.#url = this.#base.href;
		this.#options = options;
		this.#backoff = new Backoff(
			{ ...options.backoff, maxRetries: options.maxRetries, stableMs: options.stableMs },
			options.random,
		);
		this.#queue = new SendQueue(options.queue);
		const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
		if (typeof WebSocketClass !== "function") {
			throw new TypeError(
				"No WebSocket class: this runtime has no globalThis.WebSocket. Use Node 22 or later, or pass one: new RoomSocket(endpoint, { WebSocket }).",
			);
		}
		this.#WebSocket = WebSocketClass;
		void this.#connect();
	}

	get state(): ConnectionState {
		return this.#state;
	}

	/** The URL of the latest attempt, query parameters included. */
	get url(): string {
		return this.#url;
	}

	/** What the queue holds, waiting for the next open. */
	get queued(): QueueSize {
		return { messages: this.#queue.size, bytes: this.#queue.bytes };
	}

	/** Adds a listener; returns the function that removes it. */
	on<K extends keyof RoomSocketEvents<In>>(type: K, listener: Listener<RoomSocketEvents<In>[K]>): () => void {
		return this.#events.on(type, listener);
	}

	off<K extends keyof RoomSocketEvents<In>>(type: K, listener: Listener<RoomSocketEvents<In>[K]>): void {
		this.#events.off(type, listener);
	}

	/**
	 * Sends now when open, otherwise queues for the next open. Never drops silently: the
	 * result says what happened, and a full queue also emits `overflow`.
	 *
	 * @example
	 * if (room.send(bytes) === "overflow") showOfflineWarning();
	 */
	send(message: Out): SendResult {
		if (this.#state === "closed") return "closed";
		// Without `serialize`, RoomSocketArgs only allows an `Out` that is already an `Outgoing`.
		const data = this.#options.serialize ? this.#options.serialize(message) : (message as Outgoing);
		const socket = this.#socket;
		if (this.#state === "open" && socket?.readyState === OPEN) {
			socket.send(data);
			return "sent";
		}
		const result = this.#queue.push(data);
		if (result.ok) return "queued";
		this.#events.emit("overflow", { data, reason: result.reason, queued: this.queued });
		return "overflow";
	}

	/**
	 * Closes the connection and stops reconnecting. Queued messages stay queued: `reconnect()`
	 * sends them. `code` must be 1000 or 3000-4999, as for any WebSocket.
	 */
	close(code = 1000, reason = ""): void {
		if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
			throw new RangeError(`Invalid close code ${code}: a client may close with 1000 or 3000-4999.`);
		}
		if (new TextEncoder().encode(reason).byteLength > 123) {
			throw new RangeError("Invalid close reason: it may be at most 123 bytes of UTF-8 (RFC 6455 §5.5).");
		}
		this.#generation++;
		clearTimeout(this.#timer);
		const socket = this.#socket;
		this.#setState("closed");
		// The socket's close event still arrives and is reported with `reconnect: false`.
		socket?.close(code, reason);
	}

	/**
	 * Drops the current connection (if any) and connects again at once, with the backoff reset
	 * and params recomputed; also revives a closed socket.
	 */
	reconnect(): void {
		this.#generation++;
		clearTimeout(this.#timer);
		const socket = this.#socket;
		this.#socket = undefined;
		this.#opened = false;
		this.#backoff.reset();
		try {
			socket?.close(1000, "reconnecting");
		} catch {
			// Already closing.
		}
		this.#setState("connecting");
		void this.#connect();
	}

	async #connect(): Promise<void> {
		const generation = ++this.#generation;
		let url: string;
		try {
			url = withParams(this.#base, await resolveParams(this.#options.params)).href;
		} catch (error) {
			if (generation !== this.#generation) return;
			this.#error(
				`The params function threw: ${describe(error)}. It runs before every connect; the attempt is retried.`,
			);
			this.#afterFailure();
			return;
		}
		if (generation !== this.#generation) return; // close() or reconnect() while params ran.
		this.#url = url;
		let socket: WebSocket;
		try {
			socket = new this.#WebSocket(url, this.#options.protocols);
		} catch (error) {
			// Not a network fault, so retrying cannot help: e.g. a page on https: may not open ws:.
			this.#error(
				`Could not open a WebSocket to ${url}: ${describe(error)}. On an https: page use wss: (secure: true).`,
			);
			this.#setState("closed");
			return;
		}
		// Bytes as ArrayBuffer: synchronous, unlike the default Blob, so messages stay in order.
		socket.binaryType = "arraybuffer";
		this.#socket = socket;
		const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
		this.#timer = setTimeout(() => this.#abandon(socket, `connect timed out after ${timeoutMs} ms`), timeoutMs);
		socket.addEventListener("open", () => this.#onOpen(socket));
		// An error before open means the attempt failed. Browsers follow it with a close event,
		// but Node 22's WebSocket (undici) does not when the upgrade is refused (a non-101
		// status): it stays CONNECTING for ever. So the attempt ends here, on the error.
		socket.addEventListener("error", () => {
			if (!this.#opened) this.#abandon(socket, "connection failed before opening");
		});
		socket.addEventListener("message", (event) => this.#onMessage(socket, event));
		socket.addEventListener("close", (event) =>
			this.#onClose(socket, { code: event.code, reason: event.reason, wasClean: event.wasClean }),
		);
	}

	/** Ends an attempt that will not open: detaches the socket and handles it as closed (1006). */
	#abandon(socket: WebSocket, reason: string): void {
		if (socket !== this.#socket) return;
		// Detach before close(): undici dispatches another error event from inside close().
		this.#onClose(socket, { code: 1006, reason, wasClean: false });
		try {
			socket.close();
		} catch {
			// Already closing.
		}
	}

	#onOpen(socket: WebSocket): void {
		if (socket !== this.#socket || this.#state === "closed") return;
		clearTimeout(this.#timer);
		this.#opened = true;
		this.#backoff.opened();
		// Flush before announcing, so queued messages go out before anything an open listener sends.
		for (const data of this.#queue.drain()) socket.send(data);
		const generation = this.#generation;
		this.#setState("open");
		if (generation === this.#generation) this.#events.emit("open", { url: this.#url });
	}

	#onMessage(socket: WebSocket, event: MessageEvent): void {
		if (socket !== this.#socket) return;
		const data: unknown = event.data;
		if (typeof data === "string") this.#deliver({ kind: "text", text: data });
		else if (data instanceof ArrayBuffer) this.#deliver({ kind: "bytes", bytes: new Uint8Array(data) });
		else if (ArrayBuffer.isView(data)) {
			this.#deliver({ kind: "bytes", bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
		} else {
			this.#error("A binary message arrived in a form other than ArrayBuffer; this WebSocket ignores binaryType.");
		}
	}

	/** Parses a message and emits it; a message `parse` rejects is reported, not delivered. */
	#deliver(message: Incoming): void {
		const parse = this.#options.parse;
		if (!parse) {
			// Without `parse`, RoomSocketArgs only allows an `In` that `Incoming` is assignable to.
			this.#events.emit("message", message as In);
			return;
		}
		let parsed: In;
		try {
			parsed = parse(message);
		} catch (error) {
			this.#error(`The parse option threw on a message from the room: ${describe(error)}. The message was dropped.`);
			return;
		}
		this.#events.emit("message", parsed);
	}

	#onClose(socket: WebSocket, close: CloseInfo): void {
		if (socket !== this.#socket) return;
		this.#socket = undefined;
		clearTimeout(this.#timer);
		this.#opened = false;
		this.#backoff.ended();
		if (this.#state === "closed") {
			this.#events.emit("close", { ...close, reconnect: false });
			return;
		}
		const byDefault = shouldReconnect(close);
		const retry = this.#options.shouldReconnect?.(close, byDefault) ?? byDefault;
		const generation = this.#generation;
		this.#events.emit("close", { ...close, reconnect: retry && !this.#backoff.exhausted });
		if (generation !== this.#generation) return; // A close listener called close() or reconnect().
		if (retry) this.#afterFailure();
		else this.#setState("closed");
	}

	/** Schedules the next attempt, or gives up when `maxRetries` is spent. */
	#afterFailure(): void {
		if (this.#backoff.exhausted) {
			this.#error(
				`Gave up on ${this.#base.href} after ${this.#backoff.attempt} failed attempts (maxRetries). Call reconnect() to try again.`,
			);
			this.#setState("closed");
			return;
		}
		const delay = this.#backoff.next();
		const generation = this.#generation;
		this.#setState("reconnecting");
		if (generation !== this.#generation) return; // A state listener called close() or reconnect().
		this.#timer = setTimeout(() => void this.#connect(), delay);
	}

	#setState(state: ConnectionState): void {
		const previous = this.#state;
		if (previous === state) return;
		this.#state = state;
		this.#events.emit("state", { state, previous });
	}

	#error(message: string): void {
		this.#events.emit("error", { error: new Error(message) });
	}
}

/**
 * Opens a {@link RoomSocket}: the same as `new RoomSocket(endpoint, options)`.
 *
 * @example
 * const room = connectRoom({ host: location.host, service: "chat", room: "general" });
 * room.on("open", () => room.send("hello"));
 */
export function connectRoom<In = Incoming, Out = Outgoing>(
	endpoint: RoomEndpoint,
	...options: RoomSocketArgs<In, Out>
): RoomSocket<In, Out> {
	return new RoomSocket<In, Out>(endpoint, ...options);
}

/**
 * Async even for a plain object or a sync function, so a throw is reported after the
 * constructor has returned and its caller has had the chance to add listeners.
 */
async function resolveParams(source: ParamsSource | undefined): Promise<QueryParams | undefined> {
	return typeof source === "function" ? source() : source;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
