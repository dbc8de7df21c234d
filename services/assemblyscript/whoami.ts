/**
 * Tells each client who it joined as: the JSON of its identity (join token, `authorize` hook),
 * or "anonymous" when it has none; a text message asks again. Uses the identity extension.
 */
import { ClientId, MessagePayload, register, Service, ServiceContext } from "../../sdk/assemblyscript";
export * from "../../sdk/assemblyscript/abi";

class WhoAmI extends Service {
	connect(client: ClientId, ctx: ServiceContext): void {
		tell(client, ctx);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		if (message.isText) tell(client, ctx);
	}
}

function tell(client: ClientId, ctx: ServiceContext): void {
	const who = ctx.identity(client);
	ctx.sendMessage(client, who !== null ? who : "anonymous");
}

register(() => new WhoAmI());
