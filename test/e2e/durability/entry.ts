/**
 * The Worker of the durability test: the same counter twice, once with the default (strict)
 * durability and once relaxed, so that a hard kill of the server shows what each keeps.
 */

import { Counter } from "../../../services/counter.ts";
import { createStateroom, defineServices } from "../../../src/public.ts";

export { Room } from "../../../src/public.ts";

export default createStateroom(
	defineServices({
		default: "strict",
		services: { strict: Counter, relaxed: { implementation: Counter, durability: "relaxed" } },
	}),
).worker;
