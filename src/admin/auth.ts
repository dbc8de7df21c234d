/**
 * Who may use the admin API: a caller that presents the deployment's admin secret as a Bearer
 * token. Without a configured secret the API is off, and every route says so with 401.
 */
import { HttpError } from "../errors.ts";
import { sha256, timingSafeEqual, utf8Encode } from "../intrinsics.ts";
import { type PublishKey, PublishKeyRefused, verifyPublishKey } from "../publish/keys.ts";

export interface AdminEnv {
	/** The admin secret: a Worker secret in production, `.dev.vars` locally. */
	readonly STATEROOM_ADMIN_SECRET?: string;
}

/** The header an operator names themself in, for the log of changes. */
export const OPERATOR_HEADER = "x-stateroom-operator";
const MAX_OPERATOR_CHARS = 64;

const CHALLENGE = { "www-authenticate": 'Bearer realm="stateroom-admin"' };

/** Who is calling: the operator (the admin secret), or the holder of a publish key. */
export type Principal = { readonly kind: "admin" } | ({ readonly kind: "key" } & PublishKey);

/**
 * Throws a 401 unless the request carries the admin secret or a publish key signed with it;
 * says which it carries.
 */
export async function authorize(request: Request, env: AdminEnv): Promise<Principal> {
	const secret = env.STATEROOM_ADMIN_SECRET;
	if (!secret) {
		throw new HttpError(
			401,
			"The admin API is off: this deployment has no STATEROOM_ADMIN_SECRET. Set it in .dev.vars locally, or with `npx wrangler secret put STATEROOM_ADMIN_SECRET` in production.",
			CHALLENGE,
		);
	}
	const token = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
	if (token && (await sameSecret(token, secret))) return { kind: "admin" };
	if (token && token.split(".").length === 3) {
		try {
			return { kind: "key", ...(await verifyPublishKey(token, secret)) };
		} catch (error) {
			if (error instanceof PublishKeyRefused) throw new HttpError(401, error.message, CHALLENGE);
			throw error;
		}
	}
	throw new HttpError(
		401,
		token
			? "Wrong admin secret."
			: "Missing the admin secret: send it as `Authorization: Bearer <STATEROOM_ADMIN_SECRET>` (or a publish key).",
		CHALLENGE,
	);
}

/**
 * Compares in constant time. Both sides are hashed first: `timingSafeEqual` needs equal lengths,
 * and comparing digests does not reveal the secret's length either.
 */
async function sameSecret(given: string, secret: string): Promise<boolean> {
	const [a, b] = await Promise.all([sha256(utf8Encode(given)), sha256(utf8Encode(secret))]);
	return timingSafeEqual(a, b);
}

/** The operator's name for the log: what they sent in the header, shortened, or "unnamed". */
export function operatorOf(request: Request): string {
	const name = request.headers.get(OPERATOR_HEADER)?.trim();
	return name ? name.slice(0, MAX_OPERATOR_CHARS) : "unnamed";
}
