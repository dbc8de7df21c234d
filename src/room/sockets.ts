/**
 * The room's WebSockets and the client id (and identity, and connection state) each belongs to.
 * All live in the socket's attachment, which the runtime keeps across hibernation, so the map can
 * always be rebuilt.
 */
import type { ClientId } from "../api/client-id.ts";
import type { Identity } from "../api/identity.ts";
import type { MessagePayload } from "../api/payload.ts";
import type { MessageRecipient } from "../api/recipient.ts";
import {
	arrayPush,
	deserializeAttachment,
	ownValue,
	SafeWeakMap,
	serializeAttachment,
	socketClose,
	socketSend,
} from "../intrinsics.ts";

interface Attachment {
	readonly client: ClientId;
	readonly identity?: Identity;
	/** The service's connection state, as JSON (see connection-changes.ts). */
	readonly state?: string;
}

/**
 * Each socket's client id, read from its attachment once: reading an attachment deserializes a
 * copy, and delivery asks for every socket's client on every event. Only this module writes
 * attachments, and it updates the cache when it does. The cache is lost with the object's memory
 * (hibernation, eviction), and then filled again from the attachments.
 */
const clients = new SafeWeakMap<WebSocket, ClientId | null>();

export function attachClient(socket: WebSocket, client: ClientId, identity?: Identity): void {
	serializeAttachment(socket, (identity ? { client, identity } : { client }) satisfies Attachment);
	clients.set(socket, client);
}

/** The identity a socket's client joined with, if any. */
export function identityOf(socket: WebSocket): Identity | undefined {
	// An own property only: a client without an identity must not inherit one from Object.prototype.
	return ownValue(deserializeAttachment(socket), "identity") as Identity | undefined;
}

/** The connection state a service stored for a socket's client, as JSON, if any. */
export function connectionStateOf(socket: WebSocket): string | undefined {
	const state = ownValue(deserializeAttachment(socket), "state");
	return typeof state === "string" ? state : undefined;
}

/** Stores (or, with `undefined`, clears) a connection state, keeping the client and its identity. */
export function storeConnectionState(socket: WebSocket, state: string | undefined): void {
	const client = clientOf(socket);
	if (client === undefined) return;
	const identity = identityOf(socket);
	const attachment: Attachment = {
		client,
		...(identity ? { identity } : {}),
		...(state === undefined ? {} : { state }),
	};
	serializeAttachment(socket, attachment);
}

/** The socket of a client among `sockets`, if it is still attached. */
export function socketOf(sockets: readonly WebSocket[], client: ClientId): WebSocket | undefined {
	for (const socket of sockets) if (clientOf(socket) === client) return socket;
	return undefined;
}

/** The client id of a socket this room accepted, or `undefined` for a foreign socket. */
export function clientOf(socket: WebSocket): ClientId | undefined {
	let client = clients.get(socket);
	if (client === undefined) {
		client = (ownValue(deserializeAttachment(socket), "client") as ClientId | undefined) ?? null;
		clients.set(socket, client);
	}
	return client ?? undefined;
}

/** Delivers one message to its recipients among the given sockets. */
export function deliver(sockets: readonly WebSocket[], recipient: MessageRecipient, payload: MessagePayload): void {
	for (const socket of sockets) {
		const client = clientOf(socket);
		if (client === undefined || !isRecipient(recipient, client)) continue;
		try {
			socketSend(socket, payload.value);
		} catch {
			// The socket is closing; its close event delivers the disconnect.
		}
	}
}

function isRecipient(recipient: MessageRecipient, client: ClientId): boolean {
	switch (recipient.kind) {
		case "broadcast":
			return true;
		case "client":
			return recipient.client === client;
		case "everyoneExcept":
			return recipient.client !== client;
	}
}

/** Makes a socket foreign to the room (an operator closed it): its close event is then ignored. */
export function detachClient(socket: WebSocket): void {
	serializeAttachment(socket, null);
	clients.set(socket, null);
}

/**
 * Closes one client's socket for the service. Detached first, like an operator's close: nothing
 * the client still sends reaches the room, and the caller tells the service it left.
 */
export function closeClient(socket: WebSocket, code: number, reason: string): void {
	detachClient(socket);
	try {
		socketClose(socket, code, reason);
	} catch {
		// Already closing.
	}
}

/**
 * Closes every client of the room with `code` and `reason`, all at once. Each socket is detached
 * first, so nothing it still sends reaches the room, and its close event is not taken for a
 * client of the room that follows. Returns the clients closed.
 */
export function closeAll(ctx: DurableObjectState, code: number, reason: string): ClientId[] {
	const closed: ClientId[] = [];
	for (const socket of ctx.getWebSockets()) {
		const client = clientOf(socket);
		if (client !== undefined) arrayPush(closed, client);
		detachClient(socket);
		try {
			socketClose(socket, code, reason);
		} catch {
			// Already closing.
		}
	}
	return closed;
}
