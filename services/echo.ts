import { ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/** Greets each client, tells everyone what each client said, and who left. */
export class Echo implements Service {
	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(client, `User ${ClientId.format(client)} connected.`);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === undefined) return;
		ctx.sendMessage(MessageRecipient.broadcast(), `User ${ClientId.format(client)} sent '${text}'`);
	}

	disconnect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `User ${ClientId.format(client)} left.`);
	}
}
