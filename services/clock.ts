import { MessageRecipient, type Service, type ServiceContext } from "stateroom";

const TICK_MS = 4000;

/** Broadcasts `Timer @ N` every four seconds, from the room's creation on. */
export class Clock implements Service {
	ticks = 0;

	init(ctx: ServiceContext): void {
		ctx.setTimer(TICK_MS);
	}

	timer(ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `Timer @ ${this.ticks}`);
		this.ticks += 1;
		ctx.setTimer(TICK_MS);
	}
}
