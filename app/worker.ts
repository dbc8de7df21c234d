/**
 * The Worker's entry module (`main` in wrangler.toml): this deployment's services, served by
 * Stateroom. It sits outside src/ (the library), which never imports a deployment.
 */
import { createStateroom, StateroomRoom } from "stateroom";
import services from "../services/index.ts";

export { StateroomDirectory as Directory } from "stateroom";

const stateroom = createStateroom(services);

/** The room Durable Object (`class_name` in wrangler.toml), serving this deployment's services. */
export class Room extends StateroomRoom {
	protected override readonly catalog = stateroom.catalog;
}

export default stateroom.worker;
