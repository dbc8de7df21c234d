/**
 * Everything the Worker checks before a request may reach a room, in order: the WebSocket
 * handshake (for a connection), the origin, the join token (for services that require one), then
 * the deployer's `authorize` hook. Each refusal is an `HttpError`; success is the client's
 * identity, if any. An HTTP request to a room's handler passes the same checks but the handshake.
 */
import type { Identity } from "../api/identity.ts";
import { HttpError } from "../errors.ts";
import { utf8Encode } from "../intrinsics.ts";
import type { RoomAddress } from "../naming.ts";
import type { AccessSettings, ResolvedSettings } from "../settings.ts";
import { type Authorize, type AuthorizeKind, checkIdentitySize, runAuthorize } from "./authorize.ts";
import { checkUpgrade } from "./handshake.ts";
import { checkOrigin } from "./origin.ts";
import { MIN_SECRET_BYTES, TokenRefused, verifyJoinToken } from "./token.ts";

/** The query parameter that carries a join token (browsers cannot set headers on a WebSocket). */
export const TOKEN_PARAM = "token";

export async function admit(
	request: Request,
	env: unknown,
	address: RoomAddress,
	settings: ResolvedSettings,
	authorize: Authorize | undefined,
	kind: AuthorizeKind = "connect",
): Promise<Identity | undefined> {
	if (kind === "connect") checkUpgrade(request);
	checkOrigin(request, address.service, settings.access);
	let identity: Identity | undefined;
	if (settings.access.token === "required") {
		identity = await checkToken(tokenOf(request, address), secretOf(env, address, settings.access), address);
	}
	if (authorize) {
		identity = await runAuthorize(authorize, request, {
			service: address.service,
			room: address.roomId,
			identity,
			env,
			kind,
		});
	}
	checkIdentitySize(identity, address.roomId);
	return identity;
}

async function checkToken(token: string, secret: string, address: RoomAddress): Promise<Identity> {
	try {
		return await verifyJoinToken(token, secret, address);
	} catch (error) {
		if (error instanceof TokenRefused) throw new HttpError(401, error.message);
		throw error;
	}
}

/** The token from `?token=` or, for programs, an `Authorization: Bearer` header. */
function tokenOf(request: Request, address: RoomAddress): string {
	const fromQuery = new URL(request.url).searchParams.get(TOKEN_PARAM);
	const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
	const token = fromQuery ?? bearer;
	if (!token) {
		throw new HttpError(
			401,
			`Service "${address.service}" requires a join token: add ?${TOKEN_PARAM}=<token> to the room URL (or send Authorization: Bearer <token>). \`npx stateroom token\` makes one for development.`,
		);
	}
	return token;
}

/**
 * The signing secret, from the Worker secret the service names. Its absence is the deployer's
 * mistake, so it is a 500 that says how to set it (the value itself is never shown).
 */
function secretOf(env: unknown, address: RoomAddress, access: AccessSettings): string {
	const secret = (env as Record<string, unknown> | undefined)?.[access.secretName];
	if (typeof secret !== "string" || secret.length === 0) {
		throw new HttpError(
			500,
			`Service "${address.service}" requires join tokens, but the Worker secret ${access.secretName} is not set. Locally: put ${access.secretName}=<random text> in .dev.vars; in production: npx wrangler secret put ${access.secretName}.`,
		);
	}
	if (utf8Encode(secret).length < MIN_SECRET_BYTES) {
		throw new HttpError(
			500,
			`The Worker secret ${access.secretName} is shorter than ${MIN_SECRET_BYTES} bytes: too weak to sign tokens. Use e.g. \`openssl rand -base64 48\`.`,
		);
	}
	return secret;
}
