/**
 * The Worker that the `worker` test suite runs: the real deployment's services plus a few
 * test-only services that exercise what the examples do not (binary frames out, failures,
 * persistence edge cases). Everything else is the production code path.
 */
import { createStateroom, defineServices } from "stateroom";
import services from "../../services/index.ts";
import { testServices } from "./services.ts";
import { wasmFixtureServices } from "./wasm-fixtures.ts";

const { worker, Room } = createStateroom(
	defineServices({
		default: services.default,
		services: { ...services.services, ...testServices, ...wasmFixtureServices },
	}),
);

export { Room };
export default worker;
