/**
 * The room Durable Object: one per (service, room). The framework owns every entry point
 * (`fetch`, the hibernation handlers, `alarm`); services only see their callbacks.
 *
 * The deployment's services come from the catalog `createStateroom` registered while the
 * Worker's entry module loaded (registry.ts), so the entry module exports this class as it is
 * (`export { Directory, Room } from "stateroom"`, see app/worker.ts).
 */
import { DurableObject } from "cloudflare:workers";
import type { Identity } from "../api/identity.ts";
import { MessagePayload } from "../api/payload.ts";
import type { MessageRecipient } from "../api/recipient.ts";
import { directoryOf } from "../bindings.ts";
import { CloseCode, closeReason, errorMessage, HttpError } from "../errors.ts";
import { isoTime, socketAccept, socketClose } from "../intrinsics.ts";
import { describeErrorForLog, hostLog } from "../log.ts";
import { describeRoom, type RoomAddress } from "../naming.ts";
import { type PublishedEntry, publishedEntry } from "../publish/published-entry.ts";
import { stopFacet } from "../publish/remote-engine.ts";
import { type CatalogEntry, deployedCatalog, type ServiceCatalog } from "../registry.ts";
import { readAddress, readIdentity, readRequestPath, readVersion, withoutAddress } from "./address.ts";
import { deleteRoom, type RoomInternals, readDetails, readState, resetRoom } from "./admin.ts";
import { checkRoomSize, MessageGuard } from "./client-limits.ts";
import { CoolDown } from "./cool-down.ts";
import type { RoomDetails, RoomStateView } from "./details.ts";
import { coolingDownRefusal, EventRunner } from "./event-runner.ts";
import { eventLimits } from "./limits.ts";
import { RoomMonitor } from "./monitor.ts";
import { readBoundedBody } from "./request-body.ts";
import { attachClient, clientOf, connectionStateOf, detachClient } from "./sockets.ts";
import { newRecord, type RoomRecord, RoomStorage } from "./storage.ts";

/** Start-up as a state union: a room is loaded once, and concurrent callers share the load. */
type Phase =
	| { readonly kind: "cold" }
	| { readonly kind: "starting"; readonly runner: Promise<EventRunner> }
	| { readonly kind: "ready"; readonly runner: EventRunner };

export class Room<Env = unknown> extends DurableObject<Env> {
	/** The deployment's services. */
	protected readonly catalog: ServiceCatalog = deployedCatalog();
	#phase: Phase = { kind: "cold" };
	readonly #storage = new RoomStorage(this.ctx.storage);
	readonly #guard = new MessageGuard();
	/** Reports to the room directory while the room runs (see monitor.ts). */
	#monitor: RoomMonitor | undefined;
	/** The service the running room runs: bundled, or a version of a published one. */
	#entry: CatalogEntry | undefined;
	/** The version of a published service this room's facet was last started with. */
	#facetVersion: string | undefined;

	override async fetch(request: Request): Promise<Response> {
		const address = readAddress(request);
		const identity = readIdentity(request);
		const path = readRequestPath(request);
		if (path !== undefined) return this.#request(request, address, identity, path);
		const version = readVersion(request);
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		let runner: EventRunner;
		try {
			// A published service moved to another version: the room moves with it once its
			// queued events have run (see docs/publishing.md).
			if (version !== undefined && this.#phase.kind === "ready" && this.#facetVersion !== version) {
				await this.#restart();
			}
			runner = await this.#open(address, version);
		} catch (error) {
			hostLog.error(`[stateroom] ${describeRoom(address)} could not start: ${describeErrorForLog(error)}`);
			return refuseAfterUpgrade(
				client,
				server,
				CloseCode.serviceUnavailable,
				`service failed to start: ${errorMessage(error)}`,
			);
		}
		// Containment: a room cooling down (its events kept failing) takes no client until it ends.
		const coolingUntil = runner.coolingDownUntil();
		if (coolingUntil !== null) {
			const ends = isoTime(coolingUntil);
			return refuseAfterUpgrade(client, server, CloseCode.coolingDown, `room cooling down until ${ends}; retry then`);
		}
		// Access: a full room refuses before the upgrade, so the client gets no id and no record.
		try {
			checkRoomSize(this.ctx.getWebSockets().length, this.#limits(runner), runner.service);
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

	/** An HTTP request for the service's handler, run as an event of the room. */
	async #request(
		request: Request,
		address: RoomAddress,
		identity: Identity | undefined,
		path: string,
	): Promise<Response> {
		try {
			const runner = await this.#open(address).catch((error: unknown) => {
				hostLog.error(`[stateroom] ${describeRoom(address)} could not start: ${describeErrorForLog(error)}`);
				throw new HttpError(503, `The room's service failed to start: ${errorMessage(error)}`);
			});
			// Containment: a room cooling down takes no request until it ends (nor reads its body).
			const coolingUntil = runner.coolingDownUntil();
			if (coolingUntil !== null) throw coolingDownRefusal(coolingUntil);
			const body = await readBoundedBody(request, this.#limits(runner).maxMessageBytes);
			return await runner.request({ kind: "request", request: withoutAddress(request, body), path, identity });
		} catch (error) {
			if (error instanceof HttpError) return error.toResponse();
			throw error;
		}
	}

	/**
	 * A room handle's send (Worker code, see room-handle.ts): delivers a message to the room's clients
	 * in turn with its events. A room that was never opened has no one to reach, and is not created.
	 */
	async post(recipient: MessageRecipient, message: string | Uint8Array): Promise<void> {
		if (this.#phase.kind === "cold" && (await this.#storage.loadRecord()) === undefined) return;
		const runner = await this.#open();
		await runner.post(recipient, MessagePayload.from(message));
	}

	override async webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const client = clientOf(socket);
		// A socket an operator closed (detached) may still deliver a last message: ignore it.
		if (client === undefined) return;
		// Speed: a running room takes the message without another await.
		const runner = this.#phase.kind === "ready" ? this.#phase.runner : await this.#openFor(socket);
		if (runner === undefined) return;
		// Access: a message over the size or rate limit ends the client's connection, never silently.
		const refusal = this.#guard.check(client, data, this.#limits(runner));
		if (refusal) {
			// Detached at once (before any await): a client that ignores the close and keeps
			// sending is no longer heard.
			const left = this.#disconnect(socket);
			try {
				socketClose(socket, refusal.code, refusal.reason);
			} catch {
				// Already closed.
			}
			await left;
			return;
		}
		const payload = typeof data === "string" ? MessagePayload.text(data) : MessagePayload.bytes(data);
		await runner.enqueue({ kind: "message", client, payload });
	}

	override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
		// Complete the close handshake. With `web_socket_auto_reply_to_close` (default from
		// compatibility date 2026-04-07) the runtime has already replied and this is a no-op.
		try {
			socketClose(socket, sendableCode(code), reason);
		} catch {
			// Already closed.
		}
		await this.#disconnect(socket);
	}

	override async webSocketError(socket: WebSocket): Promise<void> {
		await this.#disconnect(socket);
	}

	override async alarm(): Promise<void> {
		const runner = await this.#openFor();
		await runner?.enqueue({ kind: "timer" });
	}

	/**
	 * Ends a client for good: its socket is detached at once, so nothing it still sends reaches
	 * the room (a closed client cannot come back under the same connection), and the service is
	 * told it left.
	 */
	async #disconnect(socket: WebSocket): Promise<void> {
		const client = clientOf(socket);
		// A detached socket's client has already left (or its room was reset): nothing to tell.
		if (client === undefined) return;
		// Read before the detach, which drops it: the service's disconnect may still read it.
		const state = connectionStateOf(socket);
		detachClient(socket);
		const runner = await this.#openFor(socket);
		if (runner === undefined) return;
		this.#guard.forget(client);
		runner.depart(client, state);
		await runner.enqueue({ kind: "disconnect", client });
	}

	/** The room directory's namespace, when the deployment binds one. */
	get #directory() {
		return directoryOf(this.env);
	}

	#limits(runner: EventRunner) {
		return (this.#entry ?? this.catalog.get(runner.service)).settings.limits;
	}

	/** The service named `service`: bundled, or else published (in `version`, when a connect names it). */
	async #entryFor(service: string, version?: string): Promise<CatalogEntry> {
		if (this.catalog.has(service)) return this.catalog.get(service);
		let published: PublishedEntry | undefined;
		try {
			published = await publishedEntry(this.ctx, this.env, service, version);
		} catch (error) {
			throw new Error(`the published service "${service}" could not be read: ${errorMessage(error)}`);
		}
		if (!published) throw new Error(`service "${service}" is no longer registered or published`);
		return published;
	}

	/** Stops the room once the events queued so far have run; the next event starts it afresh. */
	async #restart(): Promise<void> {
		if (this.#phase.kind !== "ready") return;
		const runner = this.#phase.runner;
		for (let round = 0; round < 16 && runner.busy; round++) await runner.settled();
		await this.#halt();
	}

	/** Opens the room for an event that arrived without a request; closes `socket` on failure. */
	async #openFor(socket?: WebSocket): Promise<EventRunner | undefined> {
		try {
			return await this.#open();
		} catch (error) {
			hostLog.error(`[stateroom] a room could not start: ${describeErrorForLog(error)}`);
			try {
				if (socket)
					socketClose(
						socket,
						CloseCode.serviceUnavailable,
						closeReason(`service failed to start: ${errorMessage(error)}`),
					);
			} catch {
				// Already closed.
			}
			return undefined;
		}
	}

	#open(address?: RoomAddress, version?: string): Promise<EventRunner> {
		switch (this.#phase.kind) {
			case "ready":
				return Promise.resolve(this.#phase.runner);
			case "starting":
				return this.#phase.runner;
			case "cold": {
				const runner = this.#start(address, version);
				this.#phase = { kind: "starting", runner };
				// Only if still starting: an operator's reset may have halted the room meanwhile.
				const current = () => this.#phase.kind === "starting" && this.#phase.runner === runner;
				runner.then(
					(ready) => {
						if (current()) this.#phase = { kind: "ready", runner: ready };
					},
					() => {
						if (current()) this.#phase = { kind: "cold" };
					},
				);
				return runner;
			}
		}
	}

	async #start(address?: RoomAddress, version?: string): Promise<EventRunner> {
		const stored = await this.#storage.loadRecord();
		const record = stored ?? (address && newRecord(address.service, address.roomId));
		if (!record) throw new Error("this room has never been opened and no request says which it is");
		const entry = await this.#entryFor(record.service, version);
		this.#entry = entry;
		const published = "version" in entry ? (entry as PublishedEntry).version : undefined;
		if (this.#facetVersion !== undefined && this.#facetVersion !== published) {
			// The facet still runs the code of the version before: it starts again with this one's.
			stopFacet(this.ctx, `the service moved to version ${published?.slice(0, 12) ?? "(bundled)"}`);
		}
		this.#facetVersion = published;
		this.#storage.useDurability(entry.settings.durability);
		const load = () => this.#loadEngine(entry, record);
		const engine = await load();
		const monitor = await RoomMonitor.load(this.ctx, this.#storage, record, this.#directory, entry.factory.build());
		this.#monitor = monitor;
		const coolDown = new CoolDown(entry.settings.limits, monitor.stats.coolingDownUntil ?? null, (until) =>
			monitor.coolingDown(until),
		);
		const runner = new EventRunner(
			this.ctx,
			this.#storage,
			record,
			engine,
			load,
			eventLimits(entry),
			coolDown,
			monitor,
			this.env,
			// The socket is detached, so its close event will not reach `#disconnect`, which forgets.
			(client) => this.#guard.forget(client),
		);
		runner.recoverTimer();
		void runner.initialize();
		runner.reconcile();
		return runner;
	}

	// Operator RPC methods, called by the admin API; the logic is in admin.ts.

	adminDetails(): Promise<RoomDetails | null> {
		return readDetails(this.#adminHost());
	}

	adminState(): Promise<RoomStateView | null> {
		return readState(this.#adminHost());
	}

	adminReset(operator: string): Promise<RoomDetails | null> {
		// No event is delivered while the reset runs, so none sees a half-deleted room.
		return this.ctx.blockConcurrencyWhile(() =>
			resetRoom(this.#adminHost(), operator, CloseCode.roomReset, "room reset by an operator"),
		);
	}

	adminDelete(operator: string): Promise<boolean> {
		return this.ctx.blockConcurrencyWhile(() =>
			deleteRoom(this.#adminHost(), operator, CloseCode.roomDeleted, "room deleted by an operator"),
		);
	}

	#adminHost(): RoomInternals {
		return {
			ctx: this.ctx,
			storage: this.#storage,
			entryOf: async (service) => {
				try {
					return await this.#entryFor(service);
				} catch {
					return undefined;
				}
			},
			directory: this.#directory,
			liveStats: this.#monitor?.stats,
			halt: () => this.#halt(),
		};
	}

	/** Stops the running room (its queued events and its reports); the next event starts it afresh. */
	async #halt(): Promise<void> {
		const phase = this.#phase;
		this.#phase = { kind: "cold" };
		const runner =
			phase.kind === "starting"
				? await phase.runner.catch(() => undefined)
				: phase.kind === "ready"
					? phase.runner
					: undefined;
		// Taken after a start in progress has finished, which sets it.
		const monitor = this.#monitor;
		this.#monitor = undefined;
		runner?.stop();
		await monitor?.stop();
	}

	/** Builds the room's engine from the state its service stored (none for a new room). */
	async #loadEngine(entry: CatalogEntry, record: RoomRecord) {
		const state = await this.#storage.loadState();
		const address = { service: record.service, roomId: record.roomId };
		return entry.factory.create(address, state, () => this.#storage.loadState());
	}
}

/**
 * Completes the upgrade, then closes at once: browsers show a close code and reason, but only
 * "failed" for a refused upgrade.
 */
function refuseAfterUpgrade(client: WebSocket, server: WebSocket, code: number, reason: string): Response {
	socketAccept(server);
	socketClose(server, code, closeReason(reason));
	return new Response(null, { status: 101, webSocket: client });
}

/** 1005, 1006 and 1015 describe a close but may not be sent in a close frame (RFC 6455 §7.4.1). */
function sendableCode(code: number): number {
	return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}
