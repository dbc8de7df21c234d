/**
 * Test-only services that misbehave on purpose, registered by entry.ts with small limits so
 * that the containment tests (containment.test.ts) run in well under a second each.
 */
import {
	type ClientId,
	type MessagePayload,
	MessageRecipient,
	type ServiceContext,
	type ServiceDefinition,
} from "stateroom";

const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * "hang" never settles; "late" settles after the deadline, then changes its state, sends and
 * sets a timer; "inc" counts and answers at once.
 */
class Stall {
	count = 0;
	async message(client: ClientId, message: MessagePayload, ctx: ServiceContext): Promise<void> {
		const text = message.text();
		if (text === "hang") await never();
		if (text === "late") {
			await sleep(400);
			this.count += 100;
			ctx.sendMessage(MessageRecipient.broadcast(), "late effect");
			ctx.setTimer(0);
			return;
		}
		this.count += 1;
		ctx.sendMessage(client, `count ${this.count}`);
	}
}

/** "add N" keeps N more characters ("add-accented N": two bytes each); answers with how many it keeps ("look" too, marked as its answer). */
class Hoard {
	items: string[] = [];
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const [command, size] = (message.text() ?? "").split(" ");
		if (command === "add") this.items.push("x".repeat(Number(size)));
		if (command === "add-accented") this.items.push("é".repeat(Number(size)));
		if (command === "drop") this.items.pop();
		const chars = this.items.reduce((sum, item) => sum + item.length, 0);
		ctx.sendMessage(client, command === "look" ? `look: chars ${chars}` : `chars ${chars}`);
	}
}

/** "set V" calls setTimer(Number(V)) after changing its state; the timer says "tick". */
class Timers {
	sets = 0;
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const value = (message.text() ?? "").replace(/^set /, "");
		this.sets += 1;
		ctx.setTimer(Number(value));
		ctx.sendMessage(client, `sets ${this.sets}`);
	}
	timer(ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), "tick");
	}
}

/** "arm" sets a timer a minute away (tests fire it by hand); the timer always throws. */
class PoisonTimer {
	message(client: ClientId, _message: MessagePayload, ctx: ServiceContext): void {
		ctx.setTimer(60_000);
		ctx.sendMessage(client, "armed");
	}
	timer(): void {
		throw new Error("the timer fails on purpose");
	}
}

/** "arm" sets a timer a minute away; the timer never settles (tests kill the object meanwhile). */
class StuckTimer {
	count = 0;
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		this.count += 1;
		if (message.text() === "arm") ctx.setTimer(60_000);
		ctx.sendMessage(client, `count ${this.count}`);
	}
	async timer(): Promise<void> {
		await never();
	}
}

/** "go" starts a timer that sets `setTimer(0)` again in every tick, counting ticks. */
class Spinner {
	ticks = 0;
	message(client: ClientId, _message: MessagePayload, ctx: ServiceContext): void {
		ctx.setTimer(60_000);
		ctx.sendMessage(client, `ticks ${this.ticks}`);
	}
	timer(ctx: ServiceContext): void {
		this.ticks += 1;
		ctx.setTimer(0);
	}
}

/**
 * Costly but successful events (fairness.test.ts): "wait" awaits 300 ms, so that the messages
 * sent behind it queue up meanwhile, then answers "waited"; "spin" keeps the CPU busy for a
 * while, synchronously, then answers "spun N" (N: spins so far).
 */
class Busy {
	sum = 0;
	spins = 0;
	async message(client: ClientId, message: MessagePayload, ctx: ServiceContext): Promise<void> {
		const text = message.text();
		if (text === "wait") {
			await sleep(300);
			ctx.sendMessage(client, "waited");
		}
		if (text === "spin") {
			for (let index = 0; index < 20_000_000; index++) this.sum = (this.sum + index) % 1_000_003;
			this.spins += 1;
			ctx.sendMessage(client, `spun ${this.spins}`);
		}
	}
}

/**
 * "send N SIZE" counts, then sends N messages of SIZE characters; "catch N SIZE" does the same
 * but catches what sendMessage throws; "count" counts and answers.
 */
class Flood {
	count = 0;
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const [command, n, size] = (message.text() ?? "").split(" ");
		this.count += 1;
		const flood = () => {
			for (let index = 0; index < Number(n); index++) ctx.sendMessage(client, "x".repeat(Number(size)));
		};
		if (command === "send") flood();
		if (command === "catch") {
			try {
				flood();
			} catch {
				// A service that swallows the error still has its event failed.
			}
		}
		ctx.sendMessage(client, `count ${this.count}`);
	}
}

export const containmentServices: Record<string, ServiceDefinition> = {
	"test-busy": Busy,
	"test-stall": { implementation: Stall, limits: { eventDeadlineMs: 200 } },
	"test-hoard": { implementation: Hoard, limits: { maxStateBytes: 64 * 1024 } },
	"test-timers": Timers,
	"test-poison-timer": PoisonTimer,
	"test-stuck-timer": { implementation: StuckTimer, limits: { eventDeadlineMs: 60_000 } },
	"test-spinner": Spinner,
	"test-flood": { implementation: Flood, limits: { maxOutputBytes: 64 * 1024 } },
};
