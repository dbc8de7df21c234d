/**
 * The engine of a room whose service is published: the service runs in its own isolate (the
 * Worker Loader), in a Durable Object facet of the room, and this engine hands it each event
 * over RPC. The room stays the host: it keeps the sockets, the access checks, the limits and
 * the service's state (written with the room's bookkeeping, in the room's own storage, as for a
 * bundled service). What comes back from the isolate is data from a tenant: every effect is
 * checked as it is applied to the room's real `Effects` (which bound output, timers, closes and
 * connection states as for any service), and every write is checked here before it is stored.
 */
import type { ClientId } from "../api/client-id.ts";
import { MessagePayload } from "../api/payload.ts";
import { MessageRecipient } from "../api/recipient.ts";
import type { BudgetShare, Effects, Engine, EngineFactory, ServiceEvent, StateWrites } from "../engine.ts";
import { FULL_BUDGET } from "../engine.ts";
import { SafeMap, utf8Encode } from "../intrinsics.ts";
import type { ResolvedSettings } from "../settings.ts";
import { StoredState } from "../typescript/stored-state.ts";
import { inspectStored } from "../wasm/checkpoint.ts";
import { FuelExhausted } from "../wasm/guest.ts";
import { BusyWait } from "../wasm/wasi.ts";
import { facetClassOf, type GuestCode, loadGuest } from "./loader.ts";
import {
	FACET_NAME,
	type FacetApi,
	type FacetConfig,
	type WireEffects,
	type WireEvent,
	type WireOutcome,
	type WireRecipient,
	type WireView,
} from "./protocol.ts";
import type { PublishedVersion } from "./versions.ts";

/** Keys the storage API takes are at most 2 KiB; the engines' own keys are far shorter. */
const MAX_KEY_BYTES = 512;
/** Writes per event: a bound on what one event can ask storage to do. */
const MAX_WRITES = 10_000;
/**
 * Messages, closes and connection states per event: the output bound counts bytes, and a flood
 * of empty messages would cost the host a delivery each.
 */
const MAX_EFFECTS = 10_000;

/** What a room needs to run a published service: where its code is and where its facet lives. */
export interface PublishedHost {
	readonly ctx: DurableObjectState;
	readonly loader: WorkerLoader;
	/** Reads the version's code from the catalog (only when its isolate is not loaded yet). */
	readonly code: () => Promise<GuestCode>;
}

/** Builds the engine factory of one version of a published service, for one room. */
export function publishedEngine(
	host: PublishedHost,
	record: PublishedVersion,
	settings: ResolvedSettings,
): EngineFactory {
	const limits = { ...settings.limits, onModuleChange: settings.onModuleChange };
	const facet = (): FacetApi => {
		const worker = loadGuest(host.loader, record.service, record.version, record.outbound ?? null, host.code);
		return host.ctx.facets.get(FACET_NAME, () => ({ class: facetClassOf(worker) })) as unknown as FacetApi;
	};
	return {
		language: record.language,
		// A room's HTTP handler is for bundled services: a request would cross to the isolate whole.
		handlesRequests: false,
		build: () => record.version,
		inspect: (stored) => (record.language === "wasm" ? inspectStored(stored) : StoredState.read(stored).inspect()),
		async create(room, stored, reload) {
			const config: FacetConfig = { room, language: record.language, limits };
			const engine = new PublishedEngine(facet, config, reload);
			await engine.start(stored);
			return engine;
		},
	};
}

/** Stops the facet a room runs its published service in (a new version is about to start). */
export function stopFacet(ctx: DurableObjectState, reason: string): void {
	try {
		ctx.facets.abort(FACET_NAME, new Error(reason));
	} catch {
		// No facet was running.
	}
}

class PublishedEngine implements Engine {
	/** Whether its facet's engine started afresh (another build's state, reset): set by `start`. */
	restarted = false;
	readonly #facet: () => FacetApi;
	readonly #config: FacetConfig;
	readonly #reload: (() => Promise<ReadonlyMap<string, unknown>>) | undefined;
	/** The facet's stub, made once (and again after the facet failed). */
	#stub: FacetApi | undefined;
	/** The last event's writes, checked; `checkpoint` hands them to the room. */
	#writes: StateWrites | undefined;
	/**
	 * Whether the facet has moved past the room's last commit (its engine took a checkpoint the
	 * room has not stored): a rollback then starts it again from storage.
	 */
	#ahead = false;

	constructor(
		facet: () => FacetApi,
		config: FacetConfig,
		reload: (() => Promise<ReadonlyMap<string, unknown>>) | undefined,
	) {
		this.#facet = facet;
		this.#config = config;
		this.#reload = reload;
	}

	/** Speed: one stub for every event, rather than a lookup of the isolate and the facet for each. */
	get #api(): FacetApi {
		this.#stub ??= this.#facet();
		return this.#stub;
	}

	async start(stored: ReadonlyMap<string, unknown>): Promise<void> {
		try {
			const started = await this.#api.create(this.#config, stored);
			this.restarted = isObject(started) && started.restarted === true;
		} catch (error) {
			this.#stub = undefined;
			// As it is: a close reason keeps only 123 bytes, and the guest's own words say what is wrong.
			throw new Error(error instanceof Error ? error.message : String(error));
		}
		this.#ahead = false;
	}

	async run(event: ServiceEvent, effects: Effects, share: BudgetShare = FULL_BUDGET): Promise<void> {
		this.#writes = undefined;
		const view = viewOf(event, effects, this.#config.language === "typescript");
		let outcome = await this.#runRemote(event, view, share);
		if (!outcome.ok && "lost" in outcome) {
			// The facet restarted without its engine: start it again from the last commit, once.
			await this.start(await this.#stored());
			outcome = await this.#runRemote(event, view, share);
		}
		if (!outcome.ok)
			throw "lost" in outcome ? new Error("the published service lost its state twice") : rebuild(outcome.error);
		this.#ahead = true;
		this.#writes = checkWrites(outcome.writes);
		applyEffects(outcome.effects, effects);
	}

	checkpoint(): StateWrites {
		const writes = this.#writes;
		if (writes === undefined) throw new Error("no event ran since the last checkpoint");
		this.#writes = undefined;
		this.#ahead = false;
		return writes;
	}

	async rollback(): Promise<void> {
		this.#writes = undefined;
		// A WebAssembly engine with dirty-page tracking keeps no copy of its memory: it rolls back
		// from storage, which only the room can read.
		if (this.#ahead || this.#config.language === "wasm") {
			await this.start(await this.#stored());
			return;
		}
		try {
			await this.#api.rollback();
		} catch (error) {
			this.#stub = undefined;
			throw remoteError(error, "the published service could not roll back");
		}
	}

	async #runRemote(event: ServiceEvent, view: WireView, share: BudgetShare): Promise<WireOutcome> {
		try {
			return await this.#api.run(wireEvent(event), view, share);
		} catch (error) {
			this.#stub = undefined;
			// The isolate itself failed (its CPU limit, its memory, a crash): the event fails.
			throw remoteError(error, "the published service's isolate failed");
		}
	}

	async #stored(): Promise<ReadonlyMap<string, unknown>> {
		if (!this.#reload) throw new Error("the published service cannot be started again: no way to read its state");
		return this.#reload();
	}
}

/** What the service may read of the room during `event`. */
function viewOf(event: ServiceEvent, effects: Effects, withStates: boolean): WireView {
	const clients = (effects.clients?.() ?? []).map(({ id, identity }) => ({ id: id as number, identity }));
	if (!withStates || !effects.connectionState) return { clients, states: [] };
	const states: [number, unknown][] = clients.map(({ id }) => [id, effects.connectionState?.(id as ClientId)]);
	if (event.kind === "disconnect") states.push([event.client, effects.connectionState(event.client)]);
	return { clients, states };
}

function wireEvent(event: ServiceEvent): WireEvent {
	// The router sends no request to a published service (its factory handles none).
	if (event.kind === "request") throw new Error("a published service answers no HTTP requests");
	if (event.kind !== "message") return event;
	return { kind: "message", client: event.client, payload: event.payload.value };
}

/**
 * Applies a tenant's effects through the room's own `Effects`, which check them as a bundled
 * service's calls are checked (the output bound, timer delays, close codes, connection states).
 */
function applyEffects(wire: WireEffects, effects: Effects): void {
	if (!isObject(wire) || !Array.isArray(wire.messages) || !Array.isArray(wire.closes) || !Array.isArray(wire.states)) {
		throw new TypeError("the published service returned effects the host cannot read");
	}
	if (wire.messages.length + wire.closes.length + wire.states.length > MAX_EFFECTS) {
		throw new RangeError(
			`the published service sent more than ${MAX_EFFECTS} messages, closes and states in one event`,
		);
	}
	for (const entry of wire.messages) {
		if (!Array.isArray(entry)) throw new TypeError("the published service returned a message the host cannot read");
		const [recipient, payload] = entry as [unknown, unknown];
		effects.send(recipientOf(recipient), payloadOf(payload));
	}
	if (wire.timer !== undefined) {
		if (typeof wire.timer !== "number") throw new TypeError("the published service set a timer that is not a number");
		effects.setTimer(wire.timer);
	}
	for (const entry of wire.closes) {
		const [client, code, reason] = entry as [unknown, unknown, unknown];
		if (
			typeof client !== "number" ||
			(code !== undefined && typeof code !== "number") ||
			(reason !== undefined && typeof reason !== "string")
		) {
			throw new TypeError("the published service closed a client with arguments the host cannot read");
		}
		effects.close?.(client as ClientId, code, reason);
	}
	for (const entry of wire.states) {
		const [client, state] = entry as [unknown, unknown];
		if (typeof client !== "number") throw new TypeError("the published service set a connection state for no client");
		effects.setConnectionState?.(client as ClientId, state);
	}
}

function recipientOf(value: unknown): MessageRecipient {
	const recipient = value as WireRecipient;
	if (isObject(recipient)) {
		if (recipient.kind === "broadcast") return MessageRecipient.broadcast();
		if (recipient.kind === "client" && typeof recipient.client === "number")
			return MessageRecipient.client(recipient.client as ClientId);
		if (recipient.kind === "everyoneExcept" && typeof recipient.client === "number")
			return MessageRecipient.everyoneExcept(recipient.client as ClientId);
	}
	throw new TypeError("the published service sent a message to a recipient the host cannot read");
}

function payloadOf(value: unknown): MessagePayload {
	if (typeof value === "string") return MessagePayload.text(value);
	if (value instanceof Uint8Array) return MessagePayload.bytes(value);
	throw new TypeError("the published service sent a message that is neither text nor bytes");
}

/** The writes of one event, checked: string keys of a bounded size, a bounded count. */
function checkWrites(writes: unknown): StateWrites {
	const { put, delete: deleted } = (isObject(writes) ? writes : {}) as { put?: unknown; delete?: unknown };
	if (!(put instanceof Map) || !Array.isArray(deleted)) {
		throw new TypeError("the published service returned state writes the host cannot read");
	}
	if (put.size + deleted.length > MAX_WRITES) {
		throw new RangeError(`the published service wrote more than ${MAX_WRITES} keys in one event`);
	}
	const checked = new SafeMap<string, unknown>();
	for (const [key, value] of put) checked.set(checkKey(key), value);
	return { put: checked, delete: deleted.map(checkKey) };
}

function checkKey(key: unknown): string {
	// UTF-8 takes at most 3 bytes per UTF-16 unit: most keys need no encoding to be measured.
	if (typeof key !== "string" || (key.length * 3 > MAX_KEY_BYTES && utf8Encode(key).byteLength > MAX_KEY_BYTES)) {
		throw new TypeError(
			`the published service wrote a state key that is not a string of at most ${MAX_KEY_BYTES} bytes`,
		);
	}
	return key;
}

/**
 * An error from the service's isolate, as the room's containment reads it: running out of fuel
 * or busy-waiting count as costly (see room/cool-down.ts), whichever isolate they happened in.
 */
function rebuild(error: { readonly name: string; readonly message: string }): Error {
	const name = isObject(error) && typeof error.name === "string" ? error.name : "Error";
	const message = isObject(error) && typeof error.message === "string" ? error.message : "the event failed";
	if (name === "FuelExhausted") return new FuelExhausted(message);
	if (name === "BusyWait") {
		const busy = new BusyWait("busy-waited");
		busy.message = message;
		return busy;
	}
	const rebuilt = new Error(message);
	rebuilt.name = name;
	return rebuilt;
}

function remoteError(error: unknown, what: string): Error {
	const message = error instanceof Error ? error.message : String(error);
	return new Error(`${what}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null;
}
