/**
 * The Worker that the `worker` test suite runs: the real deployment's services plus a few
 * test-only services that exercise what the examples do not (binary frames out, failures,
 * persistence edge cases). Everything else is the production code path.
 */
import {
	type AuthorizeInfo,
	type AuthorizeResult,
	createStateroom,
	defineServices,
	type ServiceDefinition,
} from "stateroom";

export { Directory, PublishedServices, Room } from "stateroom";

import services from "../../services/index.ts";
import { containmentServices } from "./containment-services.ts";
import { globalPatchServices } from "./global-patch-services.ts";
import { requestServices, testServices } from "./services.ts";
import { wasmFixtureServices } from "./wasm-fixtures.ts";

/** The test Worker's deployment; the room handle tests (room-handle.test.ts) call its `room`. */
export const stateroom = createStateroom(
	defineServices({
		default: services.default,
		services: {
			...allowLargeFrames(services.services),
			...testServices,
			...requestServices,
			...wasmFixtureServices,
			...containmentServices,
			...globalPatchServices,
		},
	}),
	{ authorize: gate },
);

/**
 * The deployer's hook, as the access tests use it: only services `test-gated`, `test-platform`
 * (whose clients then have identities to list) and `test-board-gated` (whose requests do) are gated. It lets in requests with `?pass=<user>`
 * (as a session cookie would), attaching the user and a role, and refuses the rest with 401 or,
 * for `?pass=banned`, 403.
 */
function gate(request: Request, { service, kind }: AuthorizeInfo): AuthorizeResult {
	if (service !== "test-gated" && service !== "test-platform" && service !== "test-board-gated") return undefined;
	const pass = new URL(request.url).searchParams.get("pass");
	if (pass === null) return { allow: false, status: 401, reason: "Sign in first (test-gated wants ?pass=<user>)." };
	if (pass === "banned") return { allow: false, reason: "This user is banned." };
	// A request to a room's handler says so in a claim, so that a test sees what the hook was told.
	return { allow: true, user: pass, claims: kind === "request" ? { role: "player", kind } : { role: "player" } };
}

export default stateroom.worker;

/**
 * The containment tests (wasm-containment.test.ts) send 8 MiB frames to the echo guests, to show
 * their memory quota holds. The default `limits.maxMessageBytes` (1 MiB) would close the client
 * before a guest saw such a frame, so these three take frames up to 16 MiB here.
 */
function allowLargeFrames(
	registered: Readonly<Record<string, ServiceDefinition>>,
): Readonly<Record<string, ServiceDefinition>> {
	const large = { maxMessageBytes: 16 * 1024 * 1024 };
	const raised = Object.entries(registered).map(([name, definition]): [string, ServiceDefinition] => {
		if (!["rust-echo", "c-echo", "as-echo"].includes(name)) return [name, definition];
		const configured =
			typeof definition === "object" && !(definition instanceof WebAssembly.Module)
				? definition
				: { implementation: definition };
		return [name, { ...configured, limits: { ...configured.limits, ...large } }];
	});
	return Object.fromEntries(raised);
}
