/**
 * The Worker that the `worker` test suite runs: the real deployment's services plus a few
 * test-only services that exercise what the examples do not (binary frames out, failures,
 * persistence edge cases). Everything else is the production code path.
 */
import { createStateroom, defineServices, StateroomRoom } from "stateroom";

export { StateroomDirectory as Directory } from "stateroom";

import services from "../../services/index.ts";
import { containmentServices } from "./containment-services.ts";
import { testServices } from "./services.ts";
import { wasmFixtureServices } from "./wasm-fixtures.ts";

const stateroom = createStateroom(
	defineServices({
		default: services.default,
		services: { ...services.services, ...testServices, ...wasmFixtureServices, ...containmentServices },
	}),
);

export class Room extends StateroomRoom {
	protected override readonly catalog = stateroom.catalog;
}

export default stateroom.worker;
