/**
 * What Stateroom is compared with: the same counter ("increment" -> "new value: N" to everyone)
 * written directly on Durable Objects with the hibernation API, and on PartyServer.
 */
import { DurableObject } from "cloudflare:workers";
import { type Connection, Server, type WSMessage } from "partyserver";

function accept(ctx: DurableObjectState): Response {
	const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
	ctx.acceptWebSocket(server);
	return new Response(null, { status: 101, webSocket: client });
}

function next(value: number, message: string | ArrayBuffer): number {
	if (message === "increment") return (value + 1) | 0;
	if (message === "decrement") return (value - 1) | 0;
	return value;
}

function broadcast(ctx: DurableObjectState, text: string): void {
	for (const socket of ctx.getWebSockets()) {
		try {
			socket.send(text);
		} catch {
			// A socket that is closing; the others still get the message.
		}
	}
}

/** The floor: the count lives in memory only (lost on eviction), nothing is written. */
export class RawMemoryCounter extends DurableObject {
	#value = 0;

	override async fetch(): Promise<Response> {
		return accept(this.ctx);
	}

	override async webSocketMessage(_socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
		this.#value = next(this.#value, message);
		broadcast(this.ctx, `new value: ${this.#value}`);
	}
}

/**
 * The same, storing the count on every event. The put is not awaited: the output gate holds the
 * broadcast until it is durable, the guarantee Stateroom gives by default.
 */
export class RawStorageCounter extends DurableObject {
	#value: number | undefined;

	override async fetch(): Promise<Response> {
		return accept(this.ctx);
	}

	override async webSocketMessage(_socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const value = next(this.#value ?? (await this.ctx.storage.get<number>("count")) ?? 0, message);
		this.#value = value;
		void this.ctx.storage.put("count", value);
		broadcast(this.ctx, `new value: ${value}`);
	}
}

/** The counter on PartyServer, hibernating like the others; its count lives in memory. */
export class PartyCounter extends Server {
	static override options = { hibernate: true };
	#value = 0;

	override onMessage(_connection: Connection, message: WSMessage): void {
		this.#value = next(this.#value, typeof message === "string" ? message : new ArrayBuffer(0));
		this.broadcast(`new value: ${this.#value}`);
	}
}
