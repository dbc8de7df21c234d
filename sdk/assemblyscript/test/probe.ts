/**
 * A test fixture (build/fixtures/as-probe.wasm) that drives every path of the SDK the example
 * services do not: each recipient kind, every payload type, payload passthrough, Math.random,
 * a zero timer, a throw, and a growing live heap. test/sdk/assemblyscript-abi.test.ts checks what it sends.
 */
import { ClientId, MessagePayload, MessageRecipient, register, Service, ServiceContext } from "..";
export * from "../abi";

class Probe extends Service {
	/** Survives restores like any other field: a map keyed by client id. */
	names: Map<ClientId, string> = new Map();
	/** Texts kept by "keep ...": a live heap big enough that a GC cycle spans several events. */
	kept: string[] = [];

	connect(client: ClientId, ctx: ServiceContext): void {
		this.names.set(client, `guest-${client}`);
		ctx.sendMessage(MessageRecipient.client(client), `you are ${ClientId.format(client)}`);
		ctx.sendMessage(MessageRecipient.everyoneExcept(client), `${this.names.get(client)} joined`);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === null) {
			// Binary in: the same payload object goes back out, as a binary frame.
			ctx.sendMessage(client, message);
			return;
		}
		if (text == "bytes") ctx.sendMessage(client, Uint8Array.wrap(String.UTF8.encode("é")));
		else if (text == "buffer") ctx.sendMessage(client, String.UTF8.encode("ab"));
		else if (text == "random") ctx.sendMessage(client, `${Math.random() < 1.0 && Math.random() >= 0.0}`);
		else if (text == "timer") ctx.setTimer(0);
		else if (text.startsWith("keep ")) {
			this.kept.push(text.slice(5));
			ctx.sendMessage(client, `${this.kept.length} kept, first ${this.kept[0]}, last ${this.kept[this.kept.length - 1]}`);
		} else if (text == "throw") throw new Error(`asked to throw by ${this.names.get(client)}`);
		else ctx.sendMessage(MessageRecipient.broadcast(), message);
	}

	disconnect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.everyoneExcept(client), `${this.names.get(client)} left`);
		this.names.delete(client);
	}

	timer(ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `timer, ${this.names.size} connected`);
	}
}

register(() => new Probe());
