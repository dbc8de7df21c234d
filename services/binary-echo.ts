import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/** Broadcasts every text message back as text; binary messages are ignored. */
export class BinaryEcho implements Service {
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		if (message.kind === "text") ctx.sendMessage(MessageRecipient.broadcast(), message);
	}
}
