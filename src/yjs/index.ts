/**
 * `stateroom/yjs`: a Yjs service that editors connect to with y-websocket's `WebsocketProvider`,
 * durable by itself (docs/yjs.md).
 *
 * @example
 * import { defineServices } from "stateroom";
 * import { yjs } from "stateroom/yjs";
 *
 * export default defineServices({ default: "counter", services: { counter: Counter, docs: yjs() } });
 */
// First, as in the main entry: the host takes the built-ins it relies on before any service module runs.
import "../intrinsics.ts";
import type { Identity } from "../api/identity.ts";
import type { ConfiguredService } from "../registry.ts";
import { DEFAULT_LIMITS, type ServiceSettings } from "../settings.ts";
import { yjsServiceClass } from "./service.ts";

export { YjsCloseCode } from "./service.ts";

/** What a Yjs service may be given, besides every service's settings (limits, access, durability). */
export interface YjsOptions extends ServiceSettings {
	/**
	 * The most bytes a room's document may take, as stored (its snapshot and the updates since).
	 * An update past it closes its client with 4413 and is not stored. Default 2 MiB.
	 */
	readonly maxDocumentBytes?: number;
	/**
	 * Whether a client may change the document. A client that may not still receives the
	 * document and its updates, and sends awareness (presence); its updates are dropped.
	 * Default: every client except one whose identity has the claim `{ "yjs": "read" }`.
	 */
	readonly canWrite?: (identity: Identity | undefined) => boolean;
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** The default `canWrite`: read-only for a join token (or `authorize` result) with the claim `yjs: "read"`. */
export function writableUnlessReadClaim(identity: Identity | undefined): boolean {
	return identity?.claims.yjs !== "read";
}

/**
 * A Yjs service, ready to register: `services: { docs: yjs() }`. Its rooms' state quota and
 * output bound are raised to fit the document quota, unless `limits` says otherwise.
 */
export function yjs(options: YjsOptions = {}): ConfiguredService {
	const { maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES, canWrite = writableUnlessReadClaim, ...settings } = options;
	if (!Number.isInteger(maxDocumentBytes) || maxDocumentBytes < 1) {
		throw new Error(`yjs(): maxDocumentBytes is ${String(maxDocumentBytes)}; use a whole number of bytes above 0.`);
	}
	return {
		...settings,
		implementation: yjsServiceClass({ maxDocumentBytes, canWrite }),
		limits: {
			// Stored as base64 (4/3), with a little framing per slot and field.
			maxStateBytes: Math.max(DEFAULT_LIMITS.maxStateBytes, Math.ceil((maxDocumentBytes * 4) / 3) + 256 * 1024),
			// A new client's sync step 2 is the whole document, in one message.
			maxOutputBytes: Math.max(DEFAULT_LIMITS.maxOutputBytes, maxDocumentBytes + 64 * 1024),
			...settings.limits,
		},
	};
}
