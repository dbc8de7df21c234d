/**
 * The room Durable Object: one per (service, room). The framework owns every entry point
 * (`fetch`, the hibernation handlers, `alarm`); services only see their callbacks.
 */
import { DurableObject } from "cloudflare:workers";
import { CloseCode, closeReason } from "../errors.ts";
import type { Services } from "../registry.ts";
import type { MessagePayload } from "../service/payload.ts";
import { MessagePayload as Payload } from "../service/payload.ts";
import type { Engine } from "./engine.ts";
import { RoomHost } from "./host.ts";
import { newRecord, RECORD_KEY, type RoomRecord, STATE_PREFIX } from "./record.ts";
import { attachClient, clientOf } from "./sockets.ts";
import { type RoomTarget, readTarget } from "./target.ts";

/** Start-up as a state union: a room is loaded once, and concurrent callers share the load. */
type Phase =
	| { readonly kind: "cold" }
	| { readonly kind: "starting"; readonly host: Promise<RoomHost> }
	| { readonly kind: "ready"; readonly host: RoomHost };

export function createRoomClass(services: Services) {
	return class Room extends DurableObject {
		#phase: Phase = { kind: "cold" };

		override async fetch(request: Request): Promise<Response> {
			const target = readTarget(request);
			const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
			let host: RoomHost;
			try {
				host = await this.open(target);
			} catch (error) {
				console.error(`[stateroom] ${describe(target)} could not start:`, error);
				// Complete the upgrade, then close at once: browsers show a close code and reason,
				// but only "failed" for a refused upgrade.
				server.accept();
				server.close(CloseCode.serviceUnavailable, closeReason(`service failed to start: ${message(error)}`));
				return new Response(null, { status: 101, webSocket: client });
			}
			this.ctx.acceptWebSocket(server);
			const id = host.admit();
			attachClient(server, id);
			void host.enqueue({ kind: "connect", client: id });
			return new Response(null, { status: 101, webSocket: client });
		}

		override async webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
			const client = clientOf(socket);
			const host = await this.openFor(socket);
			if (client === undefined || host === undefined) return;
			const payload: MessagePayload = typeof data === "string" ? Payload.text(data) : Payload.bytes(data);
			await host.enqueue({ kind: "message", client, payload });
		}

		override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
			// Complete the close handshake. With `web_socket_auto_reply_to_close` (default from
			// compatibility date 2026-04-07) the runtime has already replied and this is a no-op.
			try {
				socket.close(sendableCode(code), reason);
			} catch {
				// Already closed.
			}
			await this.disconnect(socket);
		}

		override async webSocketError(socket: WebSocket): Promise<void> {
			await this.disconnect(socket);
		}

		override async alarm(): Promise<void> {
			const host = await this.openFor();
			await host?.enqueue({ kind: "timer" });
		}

		private async disconnect(socket: WebSocket): Promise<void> {
			const client = clientOf(socket);
			const host = await this.openFor(socket);
			if (client === undefined || host === undefined) return;
			await host.enqueue({ kind: "disconnect", client });
		}

		/** Opens the room for an event that arrived without a request; closes `socket` on failure. */
		private async openFor(socket?: WebSocket): Promise<RoomHost | undefined> {
			try {
				return await this.open();
			} catch (error) {
				console.error("[stateroom] a room could not start:", error);
				try {
					socket?.close(CloseCode.serviceUnavailable, closeReason(`service failed to start: ${message(error)}`));
				} catch {
					// Already closed.
				}
				return undefined;
			}
		}

		private open(target?: RoomTarget): Promise<RoomHost> {
			switch (this.#phase.kind) {
				case "ready":
					return Promise.resolve(this.#phase.host);
				case "starting":
					return this.#phase.host;
				case "cold": {
					const host = this.start(target);
					this.#phase = { kind: "starting", host };
					host.then(
						(ready) => {
							this.#phase = { kind: "ready", host: ready };
						},
						() => {
							this.#phase = { kind: "cold" };
						},
					);
					return host;
				}
			}
		}

		/** Builds the room's engine from the state its service stored (none for a new room). */
		private async loadEngine(record: RoomRecord): Promise<Engine> {
			const stored = await this.ctx.storage.list({ prefix: STATE_PREFIX });
			const state = new Map<string, unknown>();
			for (const [key, value] of stored) state.set(key.slice(STATE_PREFIX.length), value);
			return services.factory(record.service).create({ service: record.service, roomId: record.roomId }, state);
		}

		private async start(target?: RoomTarget): Promise<RoomHost> {
			const stored = await this.ctx.storage.get<RoomRecord>(RECORD_KEY);
			const record = stored ?? (target && newRecord(target.service, target.roomId));
			if (!record) throw new Error("this room has never been opened and no request says which it is");
			const load = () => this.loadEngine(record);
			const host = new RoomHost(this.ctx, record, await load(), load);
			void host.initialize();
			host.reconcile();
			return host;
		}
	};
}

function describe(target: RoomTarget): string {
	return `room "${target.roomId}" of service "${target.service}"`;
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** 1005, 1006 and 1015 describe a close but may not be sent in a close frame (RFC 6455 §7.4.1). */
function sendableCode(code: number): number {
	return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}
