/**
 * The admin API's JSON bodies, as types: what api.ts sends (it checks each body against these
 * with `satisfies`) and what the operator page (public/admin/src/api.ts) and the CLI read.
 * Types only, on modules without platform code, so the page's browser build can import them.
 */

import type { RoomEntry, RoomPage, ServiceTotals } from "../directory/entry.ts";
import type { ServiceLanguage } from "../engine.ts";
import type { ServiceName } from "../naming.ts";
import type { RoomDetails, RoomStateView } from "../room/details.ts";

export type {
	PublishedList,
	PublishedService,
	PublishedVersion,
	PublishResult,
	ServiceUnpublished,
	VersionActivated,
	VersionDeleted,
} from "../publish/versions.ts";
export type { RoomDetails, RoomEntry, RoomPage, RoomStateView, ServiceTotals };

/** One registered service: `GET services` lists them, `GET services/:service` adds its totals. */
export interface ServiceDescription {
	readonly name: ServiceName;
	/** What the service is written in: `typescript` or `wasm`. */
	readonly language: ServiceLanguage;
	readonly default: boolean;
	/** The service's resolved settings (limits, access, durability), as JSON. */
	readonly settings: unknown;
	readonly totals?: ServiceTotals;
	/** A published service's version (the SHA-256 of its upload), absent for a bundled one. */
	readonly version?: string;
}

/** `GET services`. */
export interface ServiceList {
	readonly default: ServiceName;
	readonly services: readonly ServiceDescription[];
}

/** `GET services/:service/rooms/:room`: the room's own details and its directory entry. */
export interface RoomView {
	readonly room: RoomDetails;
	readonly directory: RoomEntry | null;
}

/** `POST services/:service/rooms/:room/reset`. */
export interface RoomReset {
	readonly reset: true;
	readonly room: RoomDetails;
}

/** `DELETE services/:service/rooms/:room`. */
export interface RoomDeleted {
	readonly deleted: true;
	readonly service: ServiceName;
	readonly roomId: string;
}

/** Every refusal: the status says which, `error` what went wrong and what to do. */
export interface AdminError {
	readonly error: string;
}
