/** Broadcasts `Timer @ N` every four seconds, from the room's creation on. */
import { MessageRecipient, register, Service, ServiceContext } from "../../sdk/assemblyscript";
export * from "../../sdk/assemblyscript/abi";

const TICK_MS: u32 = 4000;

class Clock extends Service {
	ticks: u32 = 0;

	init(ctx: ServiceContext): void {
		ctx.setTimer(TICK_MS);
	}

	timer(ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `Timer @ ${this.ticks}`);
		this.ticks += 1;
		ctx.setTimer(TICK_MS);
	}
}

register(() => new Clock());
