import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/** A shared counter: `increment` and `decrement` change it; everyone sees every new value. */
export class Counter implements Service {
	value = 0;

	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === undefined) return;
		// An i32, wrapping like the upstream Rust counter.
		if (text === "increment") this.value = (this.value + 1) | 0;
		else if (text === "decrement") this.value = (this.value - 1) | 0;
		ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
	}
}
