/** Greets each client, tells everyone what each client said, and who left. */
import { ClientId, MessagePayload, MessageRecipient, register, Service, ServiceContext } from "../../sdk/assemblyscript";
export * from "../../sdk/assemblyscript/abi";

class Echo extends Service {
	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(client, `User ${ClientId.format(client)} connected.`);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === null) return;
		ctx.sendMessage(MessageRecipient.broadcast(), `User ${ClientId.format(client)} sent '${text}'`);
	}

	disconnect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `User ${ClientId.format(client)} left.`);
	}
}

register(() => new Echo());
