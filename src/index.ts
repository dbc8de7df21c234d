/** The Worker's entry module: this deployment's services, served by Stateroom. */
// First: the host takes the built-ins it relies on before any service module runs (see intrinsics.ts).
import "./intrinsics.ts";
import services from "../services/index.ts";

export { Directory } from "./directory/directory.ts";

import { Room as StateroomRoom } from "./room/room.ts";
import { createStateroom } from "./stateroom.ts";

const stateroom = createStateroom(services);

/** The room Durable Object (`class_name` in wrangler.toml), serving this deployment's services. */
export class Room extends StateroomRoom {
	protected override readonly catalog = stateroom.catalog;
}

export default stateroom.worker;
