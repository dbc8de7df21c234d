/**
 * Signed join tokens: HS256 JWTs (made and checked by `jose`) that let one client join rooms of
 * one service. A token holds:
 * - `aud`: `stateroom:<service>`, the one service it opens;
 * - `room`: a room id, or a pattern where `*` stands for any run of characters (`game-*`, `*`);
 * - `exp` (required) and `iat`; `sub`, the user id (optional); `claims`, free-form JSON (optional).
 *
 * The CLI (`stateroom token`) mints with this module under Node, so it imports nothing but `jose`.
 */

import { errors, jwtVerify, SignJWT } from "jose";
import type { Identity } from "../api/identity.ts";
import type { RoomAddress, ServiceName } from "../naming.ts";

/** What a join token grants; `ttlSeconds` sets its `exp`. */
export interface JoinGrant {
	readonly service: ServiceName;
	/** A room id, or a pattern with `*` wildcards. */
	readonly room: string;
	readonly user?: string;
	readonly claims?: Readonly<Record<string, unknown>>;
	readonly ttlSeconds: number;
}

/** HS256 keys shorter than the hash (32 bytes) are weaker than the algorithm (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export function audienceOf(service: ServiceName): string {
	return `stateroom:${service}`;
}

/** Signs a join token with `secret`. */
export async function mintJoinToken(secret: string, grant: JoinGrant): Promise<string> {
	const key = secretKey(secret);
	const payload: Record<string, unknown> = { room: grant.room };
	if (grant.claims) payload.claims = grant.claims;
	const token = new SignJWT(payload)
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setAudience(audienceOf(grant.service))
		.setIssuedAt()
		.setExpirationTime(Math.floor(Date.now() / 1000) + grant.ttlSeconds);
	if (grant.user !== undefined) token.setSubject(grant.user);
	return token.sign(key);
}

/** Why a token does not open a room; the Worker answers it with 401. */
export class TokenRefused extends Error {
	override readonly name = "TokenRefused";
}

/**
 * Checks `token` for the room at `address`; the identity it carries, or a `TokenRefused` that
 * says why it does not open this room.
 */
export async function verifyJoinToken(token: string, secret: string, address: RoomAddress): Promise<Identity> {
	let payload: Record<string, unknown>;
	try {
		({ payload } = await jwtVerify(token, secretKey(secret), { algorithms: ["HS256"], requiredClaims: ["exp"] }));
	} catch (error) {
		throw new TokenRefused(`Join token refused: ${whyRefused(error)}`);
	}
	if (!hasAudience(payload.aud, audienceOf(address.service))) {
		throw new TokenRefused(`Join token refused: it is not for service "${address.service}". Ask for a token for it.`);
	}
	if (typeof payload.room !== "string" || !matchesRoom(payload.room, address.roomId)) {
		throw new TokenRefused("Join token refused: it is not for this room. Ask for a token for the room you open.");
	}
	const claims = payload.claims;
	return {
		user: typeof payload.sub === "string" ? payload.sub : undefined,
		claims: isRecord(claims) ? claims : {},
	};
}

/**
 * Whether `aud` (one audience or a list) holds `wanted`. An index loop: this module also runs
 * under Node (the CLI mints tokens), so it takes no captured built-ins, and it must not depend on
 * `Array.prototype` methods a bundled service could have patched.
 */
function hasAudience(aud: unknown, wanted: string): boolean {
	if (aud === wanted) return true;
	if (!Array.isArray(aud)) return false;
	for (let index = 0; index < aud.length; index++) if (aud[index] === wanted) return true;
	return false;
}

function whyRefused(error: unknown): string {
	if (error instanceof errors.JWTExpired) return "it has expired; ask for a fresh one before each connect.";
	if (error instanceof errors.JWSSignatureVerificationFailed) {
		return "its signature does not match (it was altered, or signed with another secret).";
	}
	if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is missing or invalid.`;
	if (error instanceof errors.JOSEAlgNotAllowed) return "it is not signed with HS256.";
	return "it is not a well-formed signed JWT.";
}

/**
 * Whether `roomId` matches `pattern`, where `*` matches any run of characters (none included)
 * and everything else matches itself. Linear backtracking over the last `*`: no regular
 * expression is built from a token's text.
 */
export function matchesRoom(pattern: string, roomId: string): boolean {
	let p = 0;
	let r = 0;
	let star = -1;
	let resume = 0;
	while (r < roomId.length) {
		if (p < pattern.length && pattern[p] === "*") {
			star = p++;
			resume = r;
		} else if (p < pattern.length && pattern[p] === roomId[r]) {
			p++;
			r++;
		} else if (star !== -1) {
			p = star + 1;
			r = ++resume;
		} else {
			return false;
		}
	}
	while (p < pattern.length && pattern[p] === "*") p++;
	return p === pattern.length;
}

function secretKey(secret: string): Uint8Array {
	return new TextEncoder().encode(secret);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
