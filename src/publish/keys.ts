/**
 * Publish keys: HS256 JWTs, signed with the deployment's admin secret, that let their holder
 * publish (and list, roll back, delete) the services of one name or of every name that starts
 * with a prefix, and read those services' rooms: nothing else of the admin API. A key holds:
 * - `aud`: `stateroom:publish`;
 * - `service` (one name) or `prefix` (a start of names), never both;
 * - `sub`: who holds it, for the log and the versions' `publishedBy`; `exp` (required), `iat`.
 *
 * The CLI (`stateroom publish-key`) mints with this module under Node, so it imports nothing but
 * `jose`.
 */
import { errors, jwtVerify, SignJWT } from "jose";

export const PUBLISH_AUDIENCE = "stateroom:publish";

/** Which services a key covers: one name, or every name starting with a prefix. */
export type PublishScope = { readonly service: string } | { readonly prefix: string };

export interface PublishGrant {
	readonly scope: PublishScope;
	/** Who holds the key. */
	readonly subject: string;
	readonly ttlSeconds: number;
}

/** What a verified key says. */
export interface PublishKey {
	readonly scope: PublishScope;
	readonly subject: string;
}

export async function mintPublishKey(secret: string, grant: PublishGrant): Promise<string> {
	const claims = "service" in grant.scope ? { service: grant.scope.service } : { prefix: grant.scope.prefix };
	return new SignJWT(claims)
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setAudience(PUBLISH_AUDIENCE)
		.setSubject(grant.subject)
		.setIssuedAt()
		.setExpirationTime(Math.floor(Date.now() / 1000) + grant.ttlSeconds)
		.sign(new TextEncoder().encode(secret));
}

/** Why a key was refused; the admin API answers it with 401. */
export class PublishKeyRefused extends Error {
	override readonly name = "PublishKeyRefused";
}

export async function verifyPublishKey(key: string, secret: string): Promise<PublishKey> {
	let payload: Record<string, unknown>;
	try {
		({ payload } = await jwtVerify(key, new TextEncoder().encode(secret), {
			algorithms: ["HS256"],
			audience: PUBLISH_AUDIENCE,
			requiredClaims: ["exp", "sub"],
		}));
	} catch (error) {
		throw new PublishKeyRefused(`Publish key refused: ${whyRefused(error)}`);
	}
	const { service, prefix, sub } = payload;
	if (typeof sub !== "string") throw new PublishKeyRefused("Publish key refused: it names no holder (sub).");
	if (typeof service === "string" && prefix === undefined) return { scope: { service }, subject: sub };
	if (typeof prefix === "string" && prefix.length > 0 && service === undefined)
		return { scope: { prefix }, subject: sub };
	throw new PublishKeyRefused("Publish key refused: it must name one service or one prefix.");
}

/** Whether a key's scope covers `service`. */
export function covers(scope: PublishScope, service: string): boolean {
	return "service" in scope ? scope.service === service : service.startsWith(scope.prefix);
}

export function describeScope(scope: PublishScope): string {
	return "service" in scope ? `service "${scope.service}"` : `services whose names start with "${scope.prefix}"`;
}

function whyRefused(error: unknown): string {
	if (error instanceof errors.JWTExpired) return "it has expired; ask the operator for a new one.";
	if (error instanceof errors.JWSSignatureVerificationFailed) {
		return "its signature does not match this deployment's admin secret (another deployment's key, or the secret changed).";
	}
	if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is missing or invalid.`;
	return "it is neither the admin secret nor a well-formed publish key.";
}
