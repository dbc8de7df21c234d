/**
 * The seam between a room and the service it runs. A room does not know whether its service
 * is a TypeScript class or a WebAssembly module: both are an `Engine`.
 */
import type { ClientId } from "./api/client-id.ts";
import type { Identity } from "./api/identity.ts";
import type { MessagePayload } from "./api/payload.ts";
import type { MessageRecipient } from "./api/recipient.ts";
import type { ConnectedClient } from "./api/service.ts";
import type { RoomAddress } from "./naming.ts";

/** What a service is written in: a TypeScript class, or a WebAssembly module. */
export type ServiceLanguage = "typescript" | "wasm";

/** One event for the service, in the order the room received it. */
export type ServiceEvent =
	| { readonly kind: "init" }
	| { readonly kind: "connect"; readonly client: ClientId }
	| { readonly kind: "disconnect"; readonly client: ClientId }
	| { readonly kind: "message"; readonly client: ClientId; readonly payload: MessagePayload }
	| { readonly kind: "timer" }
	| RequestEvent;

/** An HTTP request to the room (TypeScript services only), its body already read. */
export interface RequestEvent {
	readonly kind: "request";
	readonly request: Request;
	/** The path below the room (see `RoomRequestInfo.path`). */
	readonly path: string;
	readonly identity: Identity | undefined;
}

/** A request event's answer, as plain data: the room makes the Response once the event has succeeded. */
export interface RoomReply {
	readonly status: number;
	readonly statusText: string;
	readonly headers: Headers;
	readonly body: Uint8Array | null;
}

/**
 * Where an engine puts the effects of an event (the room applies them only if the event
 * succeeds), and what it may ask the room about its clients while the event runs.
 */
export interface Effects {
	send(recipient: MessageRecipient, payload: MessagePayload): void;
	setTimer(ms: number): void;
	/** The identity a connected client joined with, if any (optional: a room always provides it). */
	identity?(client: ClientId): Identity | undefined;
	// What only a TypeScript service reaches (a WebAssembly module's ABI has none of it); a room
	// always provides all of it.
	/** The Worker's env. */
	readonly env?: unknown;
	/** The clients whose `connect` the service has seen, as of this event. */
	clients?(): readonly ConnectedClient[];
	/** Closes a client once the event has succeeded; throws a RangeError for a bad code or reason. */
	close?(client: ClientId, code: number | undefined, reason: string | undefined): void;
	/** A connected client's connection state, as this event sees it (its own changes included). */
	connectionState?(client: ClientId): unknown;
	/** Sets a client's connection state once the event has succeeded; throws for data it cannot keep. */
	setConnectionState?(client: ClientId, state: unknown): void;
	/** A request event's answer; its body counts toward the event's output bound. */
	respond?(reply: RoomReply): void;
}

/** Storage writes that persist an event's changes, under the engine's own key prefix. */
export interface StateWrites {
	readonly put: ReadonlyMap<string, unknown>;
	readonly delete: readonly string[];
}

export const NO_WRITES: StateWrites = { put: new Map(), delete: [] };

/**
 * How much of its service's CPU budget per event one event may burn, as a share in (0, 1]: 1
 * normally, less while its room is on a failure streak (see room/cool-down.ts). A WebAssembly
 * engine scales its fuel (`limits.fuelPerEvent`) by it; a TypeScript handler cannot be
 * metered, and its engine ignores it.
 */
export type BudgetShare = number;

export const FULL_BUDGET: BudgetShare = 1;

/** A service running in one room. */
export interface Engine {
	/**
	 * Runs one event on `share` of the service's budget per event (default: all of it). A throw
	 * (or a rejection) means the event failed: the room then calls `rollback`. Speed: an event
	 * that is done when `run` returns (any WebAssembly event, a TypeScript handler that does not
	 * await) returns nothing, so the room needs no deadline timer and no extra turn for it.
	 */
	run(event: ServiceEvent, effects: Effects, share?: BudgetShare): Promise<void> | undefined;
	/** After a successful event: what to write so that a fresh engine can resume from here. */
	checkpoint(): StateWrites;
	/** After a failed event: return to the state of the last checkpoint. */
	rollback(): Promise<void>;
	/**
	 * Whether the engine started afresh in a room that had run before: its stored state was another
	 * build's, dropped under `onModuleChange: "reset"`. The room then delivers `init` again.
	 */
	readonly restarted?: boolean;
}

/** Builds engines for one registered service. */
export interface EngineFactory {
	/** What the service is written in (some limits apply to one language only; operators see it). */
	readonly language: ServiceLanguage;
	/** Whether the service answers HTTP requests (a TypeScript class with a `request` method). */
	readonly handlesRequests: boolean;
	/**
	 * Creates the engine of a room. `stored` holds the keys this engine wrote before (empty
	 * for a new room); the engine resumes from them. `reload` reads them again (as of the last
	 * commit), for an engine that rolls back from storage rather than from a copy in memory.
	 * Throws if the service cannot start.
	 */
	create(
		room: RoomAddress,
		stored: ReadonlyMap<string, unknown>,
		reload?: () => Promise<ReadonlyMap<string, unknown>>,
	): Promise<Engine>;
	/**
	 * What an operator sees of a room's stored state (the admin API), as plain JSON: read from
	 * the same keys `create` gets, without starting the service.
	 */
	inspect(stored: ReadonlyMap<string, unknown>): unknown;
	/**
	 * Which build of the service rooms run, for the room directory: a WebAssembly module's
	 * identity (the SHA-256 its meter recorded), or `null` (TypeScript, or not metered).
	 */
	build(): string | null;
}
