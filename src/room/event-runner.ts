/**
 * Runs one room's events as transactions: a queue hands the service one event at a time, and
 * after each event the runner either commits (stores its state changes, then delivers its
 * messages and timer) or rolls back (discards its effects, logs the failure). A failing event
 * never takes the room down.
 */
import type { ClientId } from "../api/client-id.ts";
import type { Identity } from "../api/identity.ts";
import { MessagePayload } from "../api/payload.ts";
import type { MessageRecipient } from "../api/recipient.ts";
import type { ConnectedClient } from "../api/service.ts";
import {
	type Effects,
	type Engine,
	NO_WRITES,
	type RequestEvent,
	type RoomReply,
	type ServiceEvent,
	type StateWrites,
} from "../engine.ts";
import { CloseCode, closeReason, HttpError } from "../errors.ts";
import {
	arrayFilter,
	arrayIncludes,
	arrayMap,
	arrayPush,
	ceil,
	dateNow,
	isoTime,
	jsonParse,
	ownValue,
	SafeMap,
	SafeSet,
	SafeWeakMap,
} from "../intrinsics.ts";
import { describeErrorForLog, hostLog } from "../log.ts";
import { describeRoom } from "../naming.ts";
import { ConnectionChanges, checkClose, encodeConnectionState } from "./connection-changes.ts";
import type { CoolDown } from "./cool-down.ts";
import { DeadlineError, withinDeadline } from "./deadline.ts";
import type { EventLimits } from "./limits.ts";
import type { EventObserver } from "./monitor.ts";
import { OutputBound, type OutputBoundError } from "./output-bound.ts";
import { clientOf, closeAll, connectionStateOf, deliver, socketOf } from "./sockets.ts";
import { checkStateQuota, StateQuotaError } from "./state-quota.ts";
import type { RoomRecord, RoomStorage } from "./storage.ts";
import { alarmDelay, checkTimerDelay, TimerGuard } from "./timer-policy.ts";

/** What an event's effects may ask the room about its clients. */
interface RoomView {
	/** The Worker's env, for TypeScript services. */
	readonly env: unknown;
	/** The clients the service knows as connected during this event, in the order they connected. */
	clients(): readonly ClientId[];
	/** The room's sockets. */
	sockets(): readonly WebSocket[];
	/** The connection state (JSON) of the client that leaves in this event, as it last stood. */
	departed(client: ClientId): string | undefined;
}

/** Effects held back until the event that made them has succeeded. */
class PendingEffects implements Effects {
	readonly messages: [MessageRecipient, MessagePayload][] = [];
	timer: number | undefined;
	/** A request event's answer. */
	reply: RoomReply | undefined;
	readonly connections = new ConnectionChanges();
	#sealed = false;

	/**
	 * @param record the room's record, where each client's identity is kept.
	 * @param late is told (once) when the service acts after its event has ended.
	 * @param output bounds what the event may send (see output-bound.ts).
	 * @param room what the event may read of the room's clients.
	 */
	constructor(
		private readonly record: RoomRecord,
		private late: () => void,
		private readonly output: OutputBound,
		private readonly room: RoomView,
	) {}

	get env(): unknown {
		return this.room.env;
	}

	/** The send that passed the output bound, if any: the event fails even if its handler caught it. */
	get overflow(): OutputBoundError | undefined {
		return this.output.overflow;
	}

	identity(client: ClientId): Identity | undefined {
		// Own properties only: a client without an identity must not inherit one from Object.prototype.
		const identities = ownValue(this.record, "identities");
		return ownValue(identities, client) as Identity | undefined;
	}

	clients(): readonly ConnectedClient[] {
		return arrayMap(this.room.clients(), (id) => ({ id, identity: this.identity(id) }));
	}

	close(client: ClientId, code: number | undefined, reason: string | undefined): void {
		const request = checkClose(code, reason);
		if (this.#open() && this.#known(client)) this.connections.close(client, request);
	}

	connectionState(client: ClientId): unknown {
		// A client leaving in this event is no longer connected, but its `disconnect` may still
		// want to know who it was (read-only: there is no connection left to keep it).
		if (!this.#known(client)) return parseState(this.room.departed(client));
		// This event's own change first: a state it cleared reads `undefined`, not the stored one.
		const set = this.connections.stateSet(client);
		return parseState(set ? set.json : this.#storedState(client));
	}

	setConnectionState(client: ClientId, state: unknown): void {
		const json = encodeConnectionState(state);
		if (this.#open() && this.#known(client)) this.connections.setState(client, json);
	}

	/** Whether `client` is connected, as the service sees it during this event. */
	#known(client: ClientId): boolean {
		return arrayIncludes(this.room.clients(), client);
	}

	#storedState(client: ClientId): string | undefined {
		const socket = socketOf(this.room.sockets(), client);
		return socket && connectionStateOf(socket);
	}

	send(recipient: MessageRecipient, payload: MessagePayload): void {
		if (!this.#open()) return;
		this.output.add(payload);
		arrayPush(this.messages, [recipient, payload]);
	}

	setTimer(ms: number): void {
		const delay = checkTimerDelay(ms);
		if (this.#open()) this.timer = delay;
	}

	respond(reply: RoomReply): void {
		if (!this.#open()) return;
		// The response's body counts as output, like a message: the same bound holds.
		if (reply.body !== null) this.output.add(MessagePayload.bytes(reply.body));
		this.reply = reply;
	}

	/**
	 * Ends the event: from now on whatever its handler does (an abandoned handler, or a
	 * callback it left behind) is ignored, so it can never reach clients or the timer.
	 */
	seal(): void {
		this.#sealed = true;
	}

	#open(): boolean {
		if (!this.#sealed) return true;
		this.late();
		this.late = () => {};
		return false;
	}
}

export class EventRunner {
	#queue: Promise<void> = Promise.resolve();
	/**
	 * Clients whose `connect` the service has seen. Messages go only to them, so a client that
	 * has just arrived never hears about events that happened before it connected.
	 */
	readonly #announced: Set<ClientId>;
	/** The running service; `undefined` after a rollback failed, until it is loaded again. */
	#engine: Engine | undefined;
	/** Containment: bounds retries of a failing timer event (see timer-policy.ts). */
	readonly #timers: TimerGuard;
	/** Set by `stop()`: events still queued are dropped. */
	#stopped = false;
	/** Events queued and not yet finished: one that arrives behind another first yields. */
	#pending = 0;
	/** The connection state of clients whose disconnect is queued, for that event to read. */
	readonly #departing = new SafeMap<ClientId, string>();
	/** Why the event being processed failed, as its handler threw it (for the cool-down). */
	#failure: unknown;
	/** How each request event ended, for `request()` to answer with. */
	readonly #outcomes = new SafeWeakMap<RequestEvent, RequestOutcome>();

	/**
	 * @param load builds the engine afresh from what storage holds: the way back when a failed
	 *   event could not even be rolled back in memory.
	 */
	constructor(
		private readonly ctx: DurableObjectState,
		private readonly storage: RoomStorage,
		private readonly record: RoomRecord,
		engine: Engine,
		private readonly load: () => Promise<Engine>,
		private readonly limits: EventLimits,
		/** Slows, then cools down, a room whose events keep failing costly (see cool-down.ts). */
		private readonly coolDown: CoolDown,
		/** Told about every event and failure (the room directory's monitor). */
		private readonly observer?: EventObserver,
		/** The Worker's env, which TypeScript services read as `ctx.env`. */
		private readonly env?: unknown,
		/** Told of each client the service closed, so the room's own per-client bookkeeping forgets it. */
		private readonly closed?: (client: ClientId) => void,
	) {
		this.#announced = new SafeSet(record.clients);
		this.#engine = engine;
		this.#timers = new TimerGuard(storage, (line) => hostLog.error(`[stateroom] ${describeRoom(record)}: ${line}`));
	}

	get service(): string {
		return this.record.service;
	}

	/** Whether events are queued or running. */
	get busy(): boolean {
		return this.#pending > 0;
	}

	/** Resolves once the events queued so far have been processed. */
	settled(): Promise<void> {
		return this.#queue;
	}

	get roomId(): string {
		return this.record.roomId;
	}

	/** Allocates the next client id and records the client (and its identity) as connected. */
	admit(identity?: Identity): ClientId {
		const client = this.record.nextClient as ClientId;
		this.record.nextClient += 1;
		arrayPush(this.record.clients, client);
		if (identity)
			this.record.identities = {
				...(ownValue(this.record, "identities") as RoomRecord["identities"]),
				[client]: identity,
			};
		// Not awaited, and holds no output back (see `RoomStorage.admit`).
		this.storage.admit(this.record);
		return client;
	}

	/**
	 * Keeps the connection state a leaving client had, for its `disconnect` to read: its socket,
	 * where the state lived, is detached (or gone) by the time that event runs.
	 */
	depart(client: ClientId, state: string | undefined): void {
		if (state !== undefined) this.#departing.set(client, state);
	}

	/** Queues an event; resolves once it has been processed (or has failed and rolled back). */
	enqueue(event: ServiceEvent): Promise<void> {
		return this.#schedule(() =>
			this.process(event).catch((error: unknown) => this.logFailure(event, error, "broke the room's bookkeeping")),
		);
	}

	/**
	 * Runs an HTTP request as an event of the room: its response once the event has committed,
	 * or the refusal that says why there is none (it failed and was rolled back, the room is
	 * cooling down, an operator reset it meanwhile).
	 */
	async request(event: RequestEvent): Promise<Response> {
		await this.enqueue(event);
		const outcome = this.#outcomes.get(event);
		if (outcome?.kind === "answered") {
			const { status, statusText, headers, body } = outcome.reply;
			return new Response(body, { status, statusText, headers });
		}
		if (outcome?.kind === "failed") {
			return new HttpError(
				500,
				`The room's request handler failed and its changes were rolled back: ${outcome.why}. The Worker's log has the details.`,
			).toResponse();
		}
		const until = this.coolDown.until();
		if (until !== null) return coolingDownRefusal(until).toResponse();
		return new HttpError(503, "The room was reset or deleted while the request waited; retry it.").toResponse();
	}

	/**
	 * Sends a message from outside the room (a room handle in the Worker's code) to its clients,
	 * in turn with its events: to the clients whose `connect` the service has seen when it runs.
	 */
	post(recipient: MessageRecipient, payload: MessagePayload): Promise<void> {
		return this.#schedule(async () => {
			// After the effects of the events before it, which may be held behind a commit in flight
			// (see storage.ts). `deliver` does not throw (a closing socket is skipped).
			this.storage.commit(undefined, NO_WRITES, () => {
				if (!this.#stopped) deliver(this.#announcedSockets(), recipient, payload);
			});
		});
	}

	/**
	 * Queues a step of the room: events and posts run one at a time, in the order they came.
	 * `step` must never reject: a rejected link would silently stop every later event.
	 */
	#schedule(step: () => Promise<void>): Promise<void> {
		const behind = this.#pending > 0;
		this.#pending += 1;
		const run = () =>
			step().finally(() => {
				this.#pending -= 1;
			});
		// Speed: an event that finds the room idle runs at once.
		this.#queue = this.#queue.then(behind || this.coolDown.slowed ? () => this.pace().then(run) : run);
		return this.#queue;
	}

	/**
	 * When the room cools down after its events kept failing, or `null` (see cool-down.ts).
	 * New clients are refused until then.
	 */
	coolingDownUntil(): number | null {
		return this.coolDown.until();
	}

	/**
	 * Fairness: a queue drained as a chain of promises would hold the isolate until it is empty,
	 * while other rooms and the Worker's routes wait. So an event queued behind another first
	 * yields to the event loop (a macrotask), and a room on a failure streak waits out its slow-down.
	 */
	private pace(): Promise<void> {
		const delay = this.coolDown.delay();
		return new Promise((resolve) => setTimeout(resolve, delay));
	}

	/**
	 * Stops the runner for an operator's reset or delete: every event still queued is dropped,
	 * and the event running now (a handler still awaiting) is abandoned: whatever it does later is
	 * neither stored nor delivered. Not waiting for it matters: the operator's change runs in
	 * `blockConcurrencyWhile`, which holds back the very timer that would end such a handler.
	 */
	stop(): void {
		this.#stopped = true;
	}

	/** Delivers `init` if this room has never run it, or its service started afresh (see `Engine.restarted`). */
	initialize(): Promise<void> {
		return this.record.initialized && !this.#engine?.restarted ? Promise.resolve() : this.enqueue({ kind: "init" });
	}

	/** Containment: counts a timer event that died with the object's last incarnation. */
	recoverTimer(): void {
		this.#queue = this.#queue.then(() =>
			this.#timers
				.recover()
				.catch((error: unknown) =>
					hostLog.error(`[stateroom] ${describeRoom(this.record)}: the timer's attempts could not be read:`, error),
				),
		);
	}

	/** Sends `disconnect` for clients whose sockets vanished while the object was gone. */
	reconcile(): void {
		const live = new SafeSet(arrayMap(this.ctx.getWebSockets(), clientOf));
		for (const client of this.record.clients) {
			if (!live.has(client)) void this.enqueue({ kind: "disconnect", client });
		}
	}

	private async process(event: ServiceEvent): Promise<void> {
		if (this.#stopped) return;
		if (this.#gone(event) || this.#coolingDown(event)) return;
		// Containment: a timer event that keeps failing (or killing the room) is retried, then dropped.
		if (event.kind === "timer" && !(await this.#timers.begin())) return;
		const startedAt = dateNow();
		const output = new OutputBound(this.service, this.limits.maxOutputBytes);
		const effects = new PendingEffects(this.record, () => this.logLate(event), output, this.#view(event));
		this.#failure = undefined;
		// A client whose connect the service never saw (dropped in a cool-down) leaves unannounced.
		const unannounced = event.kind === "disconnect" && !this.#announced.has(event.client);
		const writes = unannounced ? NO_WRITES : await this.runService(event, effects);
		// An operator reset or deleted the room meanwhile: nothing of this event may reach it.
		if (this.#stopped) return;
		this.#countOutcome(writes !== undefined);
		// The room's own bookkeeping stands whether or not the service's handler succeeded.
		const recordChanged = this.track(event);
		// The effects of a successful event are applied once its writes are issued (see storage.ts).
		const timerStartedAt = event.kind === "timer" ? startedAt : undefined;
		this.storage.commit(
			recordChanged ? this.record : undefined,
			writes ?? NO_WRITES,
			writes === undefined ? undefined : () => this.apply(effects, timerStartedAt),
		);
		if (event.kind === "timer") this.#timers.end(writes !== undefined);
		if (event.kind === "request") {
			// A response is held by the output gate only for writes issued before it: a request's
			// writes, gathered behind a commit in flight, are issued now rather than with the group.
			this.storage.issueGathered();
			this.#outcomes.set(event, outcomeOf(effects.reply, this.#failure));
		}
		this.observer?.processed(event, this.record.clients.length);
	}

	/**
	 * The room as `event` sees it: the clients whose connect the service has seen, with the
	 * client of a connect already among them and the client of a disconnect no longer.
	 */
	#view(event: ServiceEvent): RoomView {
		const announced = this.#announced;
		return {
			env: this.env,
			clients: () => arrayFilter(this.record.clients, (client) => connectedDuring(event, announced, client)),
			sockets: () => this.ctx.getWebSockets(),
			departed: (client) =>
				event.kind === "disconnect" && event.client === client ? this.#departing.get(client) : undefined,
		};
	}

	/**
	 * Whether the event comes from a client that has left (or never was): a client's events end
	 * with its disconnect, whatever is still queued behind it.
	 */
	#gone(event: ServiceEvent): boolean {
		switch (event.kind) {
			case "message":
				// Messages follow their client's connect, so the announced set says it (in O(1)).
				return !this.#announced.has(event.client);
			case "connect":
			case "disconnect":
				return !arrayIncludes(this.record.clients, event.client);
			default:
				return false;
		}
	}

	/**
	 * During a cool-down the service runs nothing for clients (their messages and connects are
	 * dropped; their sockets are closed already) and its timer waits for the end; `init` and
	 * `disconnect` still run, so the service's own bookkeeping stays true.
	 */
	#coolingDown(event: ServiceEvent): boolean {
		if (event.kind === "init" || event.kind === "disconnect") return false;
		const until = this.coolDown.until();
		if (until === null) return false;
		if (event.kind === "timer") this.storage.setAlarm(until - dateNow());
		return true;
	}

	/** Feeds the cool-down; starts one when this failure completes a streak. */
	#countOutcome(succeeded: boolean): void {
		if (succeeded) {
			this.coolDown.succeeded();
			return;
		}
		const until = this.coolDown.failed(this.#failure);
		if (until !== undefined) this.#startCoolDown(until);
	}

	/** Closes every client with `coolingDown`, says so in the log, and lets the service hear them leave. */
	#startCoolDown(until: number): void {
		const ends = isoTime(until);
		const clients = closeAll(
			this.ctx,
			CloseCode.coolingDown,
			closeReason(`room cooling down until ${ends}: its events kept running out of fuel or time`),
		);
		const { failureStreak, coolDownMs } = this.coolDown.limits;
		hostLog.error(
			`[stateroom] ${describeRoom(this.record)}: ${failureStreak} events in a row ran out of fuel or time (limits.failureStreak); the room cools down for ${coolDownMs} ms (limits.coolDownMs), until ${ends}: its ${clients.length} clients were closed with ${CloseCode.coolingDown}, new ones are refused until then, and its queued events are dropped.`,
		);
		for (const client of clients) void this.enqueue({ kind: "disconnect", client });
	}

	/** Runs the event through the service; its state writes, or `undefined` if it failed. */
	private async runService(event: ServiceEvent, effects: PendingEffects): Promise<StateWrites | undefined> {
		let engine: Engine;
		try {
			engine = this.#engine ?? (await this.load());
			this.#engine = engine;
		} catch (error) {
			this.logFailure(event, error, "was not run: the service could not be loaded from storage");
			return undefined;
		}
		try {
			// A room on a failure streak runs its events on a cut budget (see cool-down.ts).
			const running = engine.run(event, effects, this.coolDown.budgetShare());
			// Speed: an event done already (most are) needs no deadline and no turn of its own.
			if (running !== undefined) await this.withinDeadline(running);
			effects.seal();
			if (effects.overflow) throw effects.overflow;
			return this.withinQuota(engine.checkpoint());
		} catch (error) {
			effects.seal();
			this.#failure = error;
			if (error instanceof DeadlineError || error instanceof StateQuotaError) {
				// The engine is past its last checkpoint, or still in use by an abandoned handler:
				// drop it, and start the next event from what storage holds.
				this.#engine = undefined;
				this.logFailure(event, error, "was rolled back; the service is reloaded from storage");
				return undefined;
			}
			this.logFailure(event, error);
			try {
				await engine.rollback();
			} catch (rollbackError) {
				// Storage still holds the state after the last good event: start from there.
				this.#engine = undefined;
				this.logFailure(
					event,
					rollbackError,
					"could not be rolled back in memory; the service is reloaded from storage",
					false,
				);
			}
			return undefined;
		}
	}

	/** Containment: fails an event whose handler has not settled within the deadline. */
	private withinDeadline(run: Promise<void>): Promise<void> {
		return this.limits.deadlineMs === undefined ? run : withinDeadline(run, this.limits.deadlineMs);
	}

	/** Containment: fails an event whose writes would leave the state over its quota. */
	private withinQuota(writes: StateWrites): StateWrites {
		const limit = this.limits.maxStateBytes;
		if (limit !== undefined && writes.put.size > 0) {
			const sizes = this.storage.stateSizes;
			checkStateQuota(this.service, sizes.total, sizes.after(writes), limit);
		}
		return writes;
	}

	private track(event: ServiceEvent): boolean {
		if (event.kind === "init") {
			this.record.initialized = true;
			return true;
		}
		if (event.kind === "connect") {
			this.#announced.add(event.client);
			return false;
		}
		if (event.kind === "disconnect") {
			this.#announced.delete(event.client);
			this.#departing.delete(event.client);
			this.record.clients = arrayFilter(this.record.clients, (client) => client !== event.client);
			const identities = ownValue(this.record, "identities") as RoomRecord["identities"];
			if (identities) delete identities[event.client];
			return true;
		}
		return false;
	}

	/** @param timerStartedAt when the event began, if it was a timer event (see `alarmDelay`). */
	private apply(effects: PendingEffects, timerStartedAt: number | undefined): void {
		// An event that sends nothing (a connect, most timers) need not list the sockets at all.
		if (effects.messages.length > 0) {
			const sockets = this.#announcedSockets();
			for (const [recipient, payload] of effects.messages) deliver(sockets, recipient, payload);
		}
		// After the messages, so a client closed by this event still gets what it was sent.
		if (!effects.connections.empty) {
			effects.connections.apply(this.ctx.getWebSockets(), (client, state) => {
				this.depart(client, state);
				this.closed?.(client);
				void this.enqueue({ kind: "disconnect", client });
			});
		}
		if (effects.timer !== undefined) {
			if (timerStartedAt === undefined) this.#timers.replaced();
			this.storage.setAlarm(alarmDelay(effects.timer, timerStartedAt));
		}
	}

	/** The sockets of the clients whose `connect` the service has seen: those messages go to. */
	#announcedSockets(): WebSocket[] {
		return arrayFilter(this.ctx.getWebSockets(), (socket) => {
			const client = clientOf(socket);
			return client !== undefined && this.#announced.has(client);
		});
	}

	private logLate(event: ServiceEvent): void {
		hostLog.error(
			`[stateroom] ${describeRoom(this.record)}: the service sent a message or set a timer after its ${describeEvent(event)} had ended (a handler abandoned at its deadline, or a callback it left behind); ignored.`,
		);
	}

	/** @param counted whether this is the event's first failure (not the rollback's). */
	private logFailure(event: ServiceEvent, error: unknown, outcome = "was rolled back", counted = true): void {
		const detail = describeErrorForLog(error);
		if (counted) this.observer?.failed(event, error);
		hostLog.error(
			`[stateroom] ${describeRoom(this.record)}: the ${describeEvent(event)} failed and ${outcome} (its messages and timer were discarded).\n${detail}`,
		);
	}
}

/** A request's refusal while the room cools down (see cool-down.ts): a 503 that says until when. */
export function coolingDownRefusal(until: number): HttpError {
	return new HttpError(
		503,
		`The room is cooling down until ${isoTime(until)}, after its events kept failing; retry then.`,
		{
			"retry-after": String(ceil((until - dateNow()) / 1000)),
		},
	);
}

/** How a request event ended: answered, or failed (why, in one line for the caller). */
type RequestOutcome =
	| { readonly kind: "answered"; readonly reply: RoomReply }
	| { readonly kind: "failed"; readonly why: string };

function outcomeOf(reply: RoomReply | undefined, failure: unknown): RequestOutcome {
	if (reply !== undefined && failure === undefined) return { kind: "answered", reply };
	const why =
		failure instanceof DeadlineError
			? "it did not finish within the event deadline"
			: failure instanceof StateQuotaError
				? "the room's state would exceed its quota"
				: failure instanceof Error
					? `it threw ${failure.name}`
					: "it threw";
	return { kind: "failed", why };
}

function parseState(json: string | undefined): unknown {
	return json === undefined ? undefined : jsonParse(json);
}

/** Whether the service knows `client` as connected while it handles `event`. */
function connectedDuring(event: ServiceEvent, announced: ReadonlySet<ClientId>, client: ClientId): boolean {
	if (event.kind === "connect" && event.client === client) return true;
	if (event.kind === "disconnect" && event.client === client) return false;
	return announced.has(client);
}

/** How log lines name an event: "message event from client 3", "timer event". */
function describeEvent(event: ServiceEvent): string {
	const client = ownValue(event, "client");
	return client === undefined ? `${event.kind} event` : `${event.kind} event from client ${client}`;
}
