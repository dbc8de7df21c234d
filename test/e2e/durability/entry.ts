/**
 * The Worker of the durability test: the same counter twice, once with the default (strict)
 * durability and once relaxed, so that a hard kill of the server shows what each keeps.
 */

import { Counter } from "../../../services/counter.ts";
import { createStateroom, defineServices, StateroomRoom } from "../../../src/public.ts";

const stateroom = createStateroom(
	defineServices({
		default: "strict",
		services: { strict: Counter, relaxed: { service: Counter, durability: "relaxed" } },
	}),
);

export class Room extends StateroomRoom {
	protected override readonly catalog = stateroom.catalog;
}

export default stateroom.worker;
