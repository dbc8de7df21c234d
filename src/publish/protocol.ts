/**
 * What the host (a `Room`) and a published service's isolate say to each other over RPC. The
 * service's isolate runs the guest runtime (src/guest/runtime.ts) next to the tenant's code; the host
 * hands it one event at a time and gets back the event's effects and state writes, which it
 * checks and bounds before anything reaches a client or storage (remote-engine.ts).
 *
 * Plain data only: what crosses is structured-cloned, so classes (payloads, errors) are sent as
 * their parts and rebuilt on the other side.
 */
import type { Identity } from "../api/identity.ts";
import type { ServiceLanguage } from "../engine.ts";
import type { RoomAddress } from "../naming.ts";
import type { WasmLimits } from "../wasm/metering.ts";

/** The loaded Worker's exports: the class of each room's facet, and the publish-time check. */
export const FACET_CLASS = "ServiceFacet";
export const CHECK_ENTRYPOINT = "ServiceCheck";
/** The one facet a room of a published service runs its service in. */
export const FACET_NAME = "service";
/** The module names inside a loaded Worker. */
export const GUEST_MODULES = {
	main: "main.js",
	runtime: "stateroom.js",
	service: { typescript: "service.js", wasm: "service.wasm" },
	meterKey: "meter-key.wasm",
	probe: "signature-probe.wasm",
} as const;

/** A message's payload on the wire: a string (text frame) or bytes (binary frame). */
export type WirePayload = string | Uint8Array;

export type WireRecipient =
	| { readonly kind: "broadcast" }
	| { readonly kind: "client"; readonly client: number }
	| { readonly kind: "everyoneExcept"; readonly client: number };

export type WireEvent =
	| { readonly kind: "init" }
	| { readonly kind: "connect"; readonly client: number }
	| { readonly kind: "disconnect"; readonly client: number }
	| { readonly kind: "message"; readonly client: number; readonly payload: WirePayload }
	| { readonly kind: "timer" };

/** What the service may read of the room during one event: a snapshot taken by the host. */
export interface WireView {
	readonly clients: readonly { readonly id: number; readonly identity: Identity | undefined }[];
	/** Connection states by client (TypeScript services only), the leaving client's included. */
	readonly states: readonly (readonly [number, unknown])[];
}

/** An event's effects, in the order the service made them within each kind. */
export interface WireEffects {
	readonly messages: readonly (readonly [WireRecipient, WirePayload])[];
	readonly timer: number | undefined;
	readonly closes: readonly (readonly [number, number | undefined, string | undefined])[];
	readonly states: readonly (readonly [number, unknown])[];
}

export interface WireWrites {
	readonly put: ReadonlyMap<string, unknown>;
	readonly delete: readonly string[];
}

/** The outcome of one event in the service's isolate. */
export type WireOutcome =
	| { readonly ok: true; readonly effects: WireEffects; readonly writes: WireWrites }
	| { readonly ok: false; readonly error: { readonly name: string; readonly message: string } }
	/** The facet has no engine (its isolate was restarted): the host starts it again from storage. */
	| { readonly ok: false; readonly lost: true };

/** How a facet starts its engine. */
export interface FacetConfig {
	readonly room: RoomAddress;
	readonly language: ServiceLanguage;
	readonly limits: WasmLimits;
}

/** What the publish-time check found: the language the upload is, and a module's build. */
export interface GuestDescription {
	readonly language: ServiceLanguage;
	readonly build: string | null;
}

/** The facet's RPC methods (src/guest/runtime.ts). */
export interface FacetApi {
	/** Starts the room's engine; says whether it started afresh (see `Engine.restarted`). */
	create(config: FacetConfig, stored: ReadonlyMap<string, unknown>): Promise<{ readonly restarted: boolean }>;
	run(event: WireEvent, view: WireView, share: number): Promise<WireOutcome>;
	rollback(): Promise<void>;
}

/** The check entrypoint's RPC method. */
export interface CheckApi {
	describe(service: string, limits: WasmLimits): Promise<GuestDescription>;
}
