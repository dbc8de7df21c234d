/**
 * The Worker that the `worker` test suite runs: the real deployment's services plus a few
 * test-only services that exercise what the examples do not (binary frames out, failures,
 * persistence edge cases). Everything else is the production code path.
 */
import { type AuthorizeInfo, type AuthorizeResult, createStateroom, defineServices, StateroomRoom } from "stateroom";
import services from "../../services/index.ts";
import { testServices } from "./services.ts";
import { wasmFixtureServices } from "./wasm-fixtures.ts";

const stateroom = createStateroom(
	defineServices({
		default: services.default,
		services: { ...services.services, ...testServices, ...wasmFixtureServices },
	}),
	{ authorize: gate },
);

/**
 * The deployer's hook, as the access tests use it: only service `test-gated` is gated. It lets in
 * requests with `?pass=<user>` (as a session cookie would), attaching the user and a role, and
 * refuses the rest with 401 or, for `?pass=banned`, 403.
 */
function gate(request: Request, { service }: AuthorizeInfo): AuthorizeResult {
	if (service !== "test-gated") return undefined;
	const pass = new URL(request.url).searchParams.get("pass");
	if (pass === null) return { allow: false, status: 401, reason: "Sign in first (test-gated wants ?pass=<user>)." };
	if (pass === "banned") return { allow: false, reason: "This user is banned." };
	return { allow: true, user: pass, claims: { role: "player" } };
}

export class Room extends StateroomRoom {
	protected override readonly catalog = stateroom.catalog;
}

export default stateroom.worker;
