/** A shared counter: `increment` and `decrement` change it; everyone sees every new value. */
import { ClientId, MessagePayload, MessageRecipient, register, Service, ServiceContext } from "../../sdk/assemblyscript";
export * from "../../sdk/assemblyscript/abi";

class Counter extends Service {
	value: i32 = 0;

	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === null) return;
		// An i32 that wraps, like the upstream Rust counter.
		if (text == "increment") this.value += 1;
		else if (text == "decrement") this.value -= 1;
		ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
	}
}

register(() => new Counter());
