/**
 * The room Durable Object: one per (service, room). The framework owns every entry point
 * (`fetch`, the hibernation handlers, `alarm`); services only see their callbacks.
 *
 * The class is abstract in one member: the deployment's services. The Worker's entry module
 * exports a subclass that supplies them (see src/index.ts), so this class can be named and read
 * on its own, while each deployment (and each test Worker) serves its own services.
 */
import { DurableObject } from "cloudflare:workers";
import { MessagePayload } from "../api/payload.ts";
import { CloseCode, closeReason, errorMessage, HttpError } from "../errors.ts";
import { describeErrorForLog } from "../log.ts";
import { describeRoom, type RoomAddress } from "../naming.ts";
import type { ServiceCatalog } from "../registry.ts";
import { readAddress, readIdentity } from "./address.ts";
import { checkRoomSize, MessageGuard } from "./client-limits.ts";
import { EventRunner } from "./event-runner.ts";
import { eventLimits } from "./limits.ts";
import { attachClient, clientOf } from "./sockets.ts";
import { newRecord, type RoomRecord, RoomStorage } from "./storage.ts";

/** Start-up as a state union: a room is loaded once, and concurrent callers share the load. */
type Phase =
	| { readonly kind: "cold" }
	| { readonly kind: "starting"; readonly runner: Promise<EventRunner> }
	| { readonly kind: "ready"; readonly runner: EventRunner };

export abstract class Room<Env = unknown> extends DurableObject<Env> {
	/** The deployment's services, supplied by the entry module's subclass. */
	protected abstract readonly catalog: ServiceCatalog;
	#phase: Phase = { kind: "cold" };
	readonly #storage = new RoomStorage(this.ctx.storage);
	readonly #guard = new MessageGuard();

	override async fetch(request: Request): Promise<Response> {
		const address = readAddress(request);
		const identity = readIdentity(request);
		const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
		let runner: EventRunner;
		try {
			runner = await this.open(address);
		} catch (error) {
			console.error(`[stateroom] ${describeRoom(address)} could not start: ${describeErrorForLog(error)}`);
			// Complete the upgrade, then close at once: browsers show a close code and reason,
			// but only "failed" for a refused upgrade.
			server.accept();
			server.close(CloseCode.serviceUnavailable, closeReason(`service failed to start: ${errorMessage(error)}`));
			return new Response(null, { status: 101, webSocket: client });
		}
		// Access: a full room refuses before the upgrade, so the client gets no id and no record.
		try {
			checkRoomSize(this.ctx.getWebSockets().length, this.limits(runner), runner.service);
		} catch (error) {
			if (error instanceof HttpError) return error.toResponse();
			throw error;
		}
		this.ctx.acceptWebSocket(server);
		const id = runner.admit(identity);
		attachClient(server, id, identity);
		void runner.enqueue({ kind: "connect", client: id });
		return new Response(null, { status: 101, webSocket: client });
	}

	override async webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const client = clientOf(socket);
		const runner = await this.openFor(socket);
		if (client === undefined || runner === undefined) return;
		// Access: a message over the size or rate limit ends the client's connection, never silently.
		const refusal = this.#guard.check(client, data, this.limits(runner));
		if (refusal) {
			try {
				socket.close(refusal.code, refusal.reason);
			} catch {
				// Already closed.
			}
			await this.disconnect(socket);
			return;
		}
		const payload = typeof data === "string" ? MessagePayload.text(data) : MessagePayload.bytes(data);
		await runner.enqueue({ kind: "message", client, payload });
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
		const runner = await this.openFor();
		await runner?.enqueue({ kind: "timer" });
	}

	private async disconnect(socket: WebSocket): Promise<void> {
		const client = clientOf(socket);
		const runner = await this.openFor(socket);
		if (client === undefined || runner === undefined) return;
		this.#guard.forget(client);
		await runner.enqueue({ kind: "disconnect", client });
	}

	private limits(runner: EventRunner) {
		return this.catalog.get(runner.service).settings.limits;
	}

	/** Opens the room for an event that arrived without a request; closes `socket` on failure. */
	private async openFor(socket?: WebSocket): Promise<EventRunner | undefined> {
		try {
			return await this.open();
		} catch (error) {
			console.error(`[stateroom] a room could not start: ${describeErrorForLog(error)}`);
			try {
				socket?.close(CloseCode.serviceUnavailable, closeReason(`service failed to start: ${errorMessage(error)}`));
			} catch {
				// Already closed.
			}
			return undefined;
		}
	}

	private open(address?: RoomAddress): Promise<EventRunner> {
		switch (this.#phase.kind) {
			case "ready":
				return Promise.resolve(this.#phase.runner);
			case "starting":
				return this.#phase.runner;
			case "cold": {
				const runner = this.start(address);
				this.#phase = { kind: "starting", runner };
				runner.then(
					(ready) => {
						this.#phase = { kind: "ready", runner: ready };
					},
					() => {
						this.#phase = { kind: "cold" };
					},
				);
				return runner;
			}
		}
	}

	private async start(address?: RoomAddress): Promise<EventRunner> {
		const stored = await this.#storage.loadRecord();
		const record = stored ?? (address && newRecord(address.service, address.roomId));
		if (!record) throw new Error("this room has never been opened and no request says which it is");
		const load = () => this.loadEngine(record);
		const engine = await load();
		const limits = eventLimits(this.catalog.get(record.service));
		const runner = new EventRunner(this.ctx, this.#storage, record, engine, load, limits);
		runner.recoverTimer();
		void runner.initialize();
		runner.reconcile();
		return runner;
	}

	/** Builds the room's engine from the state its service stored (none for a new room). */
	private async loadEngine(record: RoomRecord) {
		const state = await this.#storage.loadState();
		return this.catalog.get(record.service).factory.create({ service: record.service, roomId: record.roomId }, state);
	}
}

/** 1005, 1006 and 1015 describe a close but may not be sent in a close frame (RFC 6455 §7.4.1). */
function sendableCode(code: number): number {
	return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}
