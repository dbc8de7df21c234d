import { ClientId, type ServiceContext } from "stateroom";
import { Echo } from "./echo.ts";

/** Like echo, but greets each client with a random u32. */
export class Randomness extends Echo {
	override connect(client: ClientId, ctx: ServiceContext): void {
		const [random] = crypto.getRandomValues(new Uint32Array(1));
		ctx.sendMessage(client, `User ${ClientId.format(client)} connected. Random number: ${random}`);
	}
}
