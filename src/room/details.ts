/**
 * What the Room's operator RPC methods answer (admin.ts), and so what the admin API sends on.
 * Types only, built on the directory entry alone: the operator page in public/ reads them too.
 */

import type { RoomEntry } from "../directory/entry.ts";
import type { ServiceLanguage } from "../engine.ts";
import type { ServiceName } from "../naming.ts";

/** One room as an operator sees it: its directory entry, read live, and its bookkeeping. */
export interface RoomDetails extends RoomEntry {
	/** What the service is written in; `null` when the service is no longer registered. */
	readonly language: ServiceLanguage | null;
	/** WebSockets open now (the same as `clients`, unless some are closing). */
	readonly sockets: number;
	/** The id the next client gets; ids are never reused in a room, even across a reset. */
	readonly nextClient: number;
	readonly initialized: boolean;
}

export interface RoomStateView {
	readonly service: ServiceName;
	readonly roomId: string;
	/** What the service is written in; `null` when the service is no longer registered. */
	readonly language: ServiceLanguage | null;
	/** What the engine reports of its stored state (see `EngineFactory.inspect`). */
	readonly stored: unknown;
}
