/**
 * The guest runtime: the library's own engines, run inside a published service's isolate next
 * to the tenant's code (never in the host's). The host bundles this file at build time into one
 * ES module (scripts/build/guest-runtime.mjs), ships it as text, and loads it with each published
 * service as `stateroom.js`: the tenant's bundle imports `stateroom` from it, and the loaded
 * Worker's main module (src/publish/loader.ts) hands the tenant's class or WebAssembly module to
 * {@link publishedService}.
 *
 * Nothing here is trusted by the host: a TypeScript tenant shares this isolate and can change
 * any of it. The host checks and bounds every outcome (src/publish/remote-engine.ts); a WebAssembly tenant
 * cannot reach this code, so its fuel and memory limits hold as in a bundled room.
 */
// First: the engines' built-ins are taken before the tenant's module runs.
import "../intrinsics.ts";
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
import type { ClientId } from "../api/client-id.ts";
import type { Identity } from "../api/identity.ts";
import { MessagePayload } from "../api/payload.ts";
import type { MessageRecipient } from "../api/recipient.ts";
import type { ConnectedClient, ServiceClass } from "../api/service.ts";
import type { Effects, Engine, EngineFactory, ServiceEvent } from "../engine.ts";
import type {
	FacetApi,
	FacetConfig,
	GuestDescription,
	WireEffects,
	WireEvent,
	WireOutcome,
	WirePayload,
	WireRecipient,
	WireView,
} from "../publish/protocol.ts";
import { checkClose, encodeConnectionState } from "../room/connection-changes.ts";
import { typescriptEngine } from "../typescript/class-engine.ts";
import { checkBuilt } from "../wasm/abi.ts";
import { checkMetered } from "../wasm/metering.ts";
import { wasmEngine } from "../wasm/module-engine.ts";

// What a service imports from "stateroom": the service API, and nothing of the host.
export * from "../api/index.ts";

type Implementation = ServiceClass | WebAssembly.Module;

/** The classes a loaded Worker exports for one tenant's module (its `import * as` namespace). */
export function publishedService(tenant: Record<string, unknown>) {
	const implementation = implementationIn(tenant);
	const factoryFor = (config: Pick<FacetConfig, "room" | "limits">): EngineFactory =>
		implementation instanceof WebAssembly.Module
			? wasmEngine(config.room.service, implementation, config.limits)
			: typescriptEngine(config.room.service, implementation);

	class ServiceFacet extends DurableObject implements FacetApi {
		#engine: Engine | undefined;
		/** The factory for the limits it was made with (republished settings bring new ones). */
		#factory: { readonly limits: string; readonly factory: EngineFactory } | undefined;

		async create(config: FacetConfig, stored: ReadonlyMap<string, unknown>): Promise<{ restarted: boolean }> {
			this.#engine = undefined;
			const limits = JSON.stringify(config.limits);
			if (this.#factory?.limits !== limits) this.#factory = { limits, factory: factoryFor(config) };
			this.#engine = await this.#factory.factory.create(config.room, stored);
			return { restarted: this.#engine.restarted === true };
		}

		async run(event: WireEvent, view: WireView, share: number): Promise<WireOutcome> {
			const engine = this.#engine;
			if (engine === undefined) return { ok: false, lost: true };
			const effects = new CollectedEffects(view);
			try {
				await engine.run(toEvent(event), effects, share);
				effects.sealed = true;
				return { ok: true, effects: effects.wire(), writes: engine.checkpoint() };
			} catch (error) {
				effects.sealed = true;
				return { ok: false, error: errorParts(error) };
			}
		}

		async rollback(): Promise<void> {
			const engine = this.#engine;
			if (engine === undefined) throw new Error("the service's engine is gone");
			try {
				await engine.rollback();
			} catch (error) {
				this.#engine = undefined;
				throw error;
			}
		}
	}

	class ServiceCheck extends WorkerEntrypoint {
		/** What the upload is, once it passed every check a room would make when it starts. */
		async describe(service: string, limits: FacetConfig["limits"]): Promise<GuestDescription> {
			if (implementation instanceof WebAssembly.Module) {
				checkBuilt(implementation, service);
				const { build } = checkMetered(implementation, service, limits);
				// The signature and the ABI: the checks of the first room's start, made now.
				await factoryFor({ room: { service, roomId: "check" }, limits }).create(
					{ service, roomId: "check" },
					new Map(),
				);
				return { language: "wasm", build };
			}
			factoryFor({ room: { service, roomId: "check" }, limits });
			return { language: "typescript", build: null };
		}
	}

	return { ServiceFacet, ServiceCheck };
}

/** The module's default export, or else its one exported class (or WebAssembly module). */
function implementationIn(tenant: Record<string, unknown>): Implementation {
	const usable = (value: unknown): value is Implementation =>
		typeof value === "function" || value instanceof WebAssembly.Module;
	if (usable(tenant.default)) return tenant.default;
	const candidates = Object.values(tenant).filter(usable);
	if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
	throw new Error(
		candidates.length === 0
			? "the published module exports no service class: export the class (`export default class MyService implements Service { ... }`)"
			: `the published module exports ${candidates.length} functions or classes and no default: make the service class its default export`,
	);
}

/** An event's effects, collected to be sent back to the host, which applies (and bounds) them. */
class CollectedEffects implements Effects {
	readonly #messages: [WireRecipient, WirePayload][] = [];
	#timer: number | undefined;
	readonly #closes: [number, number | undefined, string | undefined][] = [];
	readonly #states = new Map<number, unknown>();
	readonly #view: WireView;
	readonly #stored: Map<number, unknown>;
	sealed = false;
	/** A published service gets no binding of the host's. */
	readonly env = {};

	constructor(view: WireView) {
		this.#view = view;
		this.#stored = new Map(view.states);
	}

	send(recipient: MessageRecipient, payload: MessagePayload): void {
		if (this.sealed) return;
		this.#messages.push([recipient, payload.value]);
	}

	setTimer(ms: number): void {
		if (!this.sealed) this.#timer = ms;
	}

	identity(client: ClientId): Identity | undefined {
		return this.#view.clients.find((entry) => entry.id === client)?.identity;
	}

	clients(): readonly ConnectedClient[] {
		return this.#view.clients.map(({ id, identity }) => ({ id: id as ClientId, identity }));
	}

	close(client: ClientId, code: number | undefined, reason: string | undefined): void {
		// Checked here too, so that a bad code throws at the call, as in a bundled room.
		const request = checkClose(code, reason);
		if (!this.sealed) this.#closes.push([client, request.code, request.reason]);
	}

	connectionState(client: ClientId): unknown {
		return this.#states.has(client) ? this.#states.get(client) : this.#stored.get(client);
	}

	setConnectionState(client: ClientId, state: unknown): void {
		// Checked here too (plain JSON data, within its size), so that it throws at the call; and
		// a copy as of now: later changes to the object are not the state this event set.
		const json = encodeConnectionState(state);
		if (this.sealed) return;
		this.#states.set(client, json === undefined ? undefined : JSON.parse(json));
	}

	wire(): WireEffects {
		return { messages: this.#messages, timer: this.#timer, closes: this.#closes, states: [...this.#states] };
	}
}

function toEvent(event: WireEvent): ServiceEvent {
	switch (event.kind) {
		case "message":
			return {
				kind: "message",
				client: event.client as ClientId,
				payload:
					typeof event.payload === "string" ? MessagePayload.text(event.payload) : MessagePayload.bytes(event.payload),
			};
		case "connect":
		case "disconnect":
			return { kind: event.kind, client: event.client as ClientId };
		default:
			return { kind: event.kind };
	}
}

function errorParts(error: unknown): { name: string; message: string } {
	if (error instanceof Error) return { name: error.name, message: error.message };
	return { name: "Error", message: String(error) };
}
