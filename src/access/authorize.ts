/**
 * The deployer's connection hook: `authorize(request, { service, room, identity, env })` runs in
 * the Worker before the room is touched, after the handshake, origin and token checks. It can
 * refuse (a status and a reason) or let the client in, optionally with a user id and claims
 * (for example read from a session cookie), which join those of the client's token.
 */

import type { Identity } from "../api/identity.ts";
import { HttpError } from "../errors.ts";
import { jsonStringify, utf8Encode } from "../intrinsics.ts";
import { quoteForLog } from "../log.ts";
import type { ServiceName } from "../naming.ts";

/**
 * What reaches a room: `"connect"`, a client's WebSocket; `"request"`, an HTTP request to the
 * room's handler (`/s/:service/rooms/:room/...`).
 */
export type AuthorizeKind = "connect" | "request";

/** What `authorize` is told about the connection or request. */
export interface AuthorizeInfo {
	readonly service: ServiceName;
	readonly room: string;
	/** A WebSocket connection or an HTTP request to the room's handler. */
	readonly kind: AuthorizeKind;
	/** The identity from the client's join token, if the service requires tokens. */
	readonly identity: Identity | undefined;
	/** The Worker's bindings (secrets, KV, ...). */
	readonly env: unknown;
}

/**
 * `undefined` or `{ allow: true }` lets the client in; `user` and `claims` are attached to it
 * (claims override the token's of the same name). `{ allow: false }` refuses with `status`
 * (default 403) and `reason`, before any upgrade.
 */
export type AuthorizeResult =
	| undefined
	| { readonly allow: true; readonly user?: string; readonly claims?: Readonly<Record<string, unknown>> }
	| { readonly allow: false; readonly status?: number; readonly reason: string };

export type Authorize = (request: Request, info: AuthorizeInfo) => AuthorizeResult | Promise<AuthorizeResult>;

/** The most a client's identity may take, as JSON: it travels in a header and is stored per client. */
export const MAX_IDENTITY_BYTES = 8 * 1024;

/** Runs the hook; the client's identity afterwards, or the hook's refusal as an `HttpError`. */
export async function runAuthorize(
	hook: Authorize,
	request: Request,
	info: AuthorizeInfo,
): Promise<Identity | undefined> {
	const result = await hook(request, info);
	if (result === undefined) return info.identity;
	if (!result.allow) {
		const status = result.status ?? 403;
		if (!Number.isInteger(status) || status < 400 || status > 599) {
			throw new Error(`authorize returned status ${status}; a refusal needs a status from 400 to 599.`);
		}
		throw new HttpError(status, result.reason);
	}
	if (result.user === undefined && result.claims === undefined) return info.identity;
	return {
		user: result.user ?? info.identity?.user,
		claims: { ...info.identity?.claims, ...result.claims },
	};
}

/** Refuses (with 500; the deployer's mistake, not the client's) an identity too large to carry. */
export function checkIdentitySize(identity: Identity | undefined, room: string): void {
	if (identity === undefined) return;
	const bytes = utf8Encode(jsonStringify(identity)).length;
	if (bytes > MAX_IDENTITY_BYTES) {
		throw new Error(
			`The identity for room ${quoteForLog(room)} is ${bytes} bytes of JSON; the limit is ${MAX_IDENTITY_BYTES}. Keep claims small (ids, roles), not documents.`,
		);
	}
}
