/** Who may open which room: the checks the Worker runs before a request reaches a room. */
export {
	type Authorize,
	type AuthorizeInfo,
	type AuthorizeKind,
	type AuthorizeResult,
	MAX_IDENTITY_BYTES,
} from "./authorize.ts";
export { admit, TOKEN_PARAM } from "./gate.ts";
export { ALLOWED_HOSTS_VAR, checkHost, type HostCheckEnv } from "./host.ts";
export { type JoinGrant, matchesRoom, mintJoinToken, verifyJoinToken } from "./token.ts";
