import { ClientId } from "./client-id";
import { ServiceContext } from "./context";
import { MessagePayload } from "./payload";

/**
 * A Stateroom service: override the callbacks you need. Events reach it one at a time, in
 * arrival order. Its state is its own fields (and any other memory it reaches): the host
 * saves the module's whole memory after every event, so a room that wakes from hibernation
 * or eviction gets it back, and `init` runs once in a room's life.
 *
 * @example
 * class Counter extends Service {
 *   value: i32 = 0;
 *   message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
 *     if (message.text() == "increment") this.value += 1;
 *     ctx.sendMessage(MessageRecipient.broadcast(), `new value: ${this.value}`);
 *   }
 * }
 * register(() => new Counter());
 */
export abstract class Service {
	init(ctx: ServiceContext): void {}
	connect(client: ClientId, ctx: ServiceContext): void {}
	disconnect(client: ClientId, ctx: ServiceContext): void {}
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {}
	timer(ctx: ServiceContext): void {}
}

/** Builds the service of a room; it runs once, on the room's first event. */
export type ServiceFactory = () => Service;

let factory: ServiceFactory | null = null;

/**
 * Declares this module's service. Call it once, at the top level of the service file, and
 * re-export the ABI (`export * from ".../sdk/assemblyscript/abi"`) from that same file.
 *
 * @example
 * register(() => new Counter());
 */
export function register(create: ServiceFactory): void {
	if (factory !== null) throw new Error("register() was called twice: a module holds exactly one service");
	factory = create;
}

/** The factory given to `register`; throws with the fix if there is none. */
export function registeredFactory(): ServiceFactory {
	const create = factory;
	if (create === null) {
		throw new Error("No service is registered: call register(() => new MyService()) at the top level of the service file");
	}
	return create;
}
