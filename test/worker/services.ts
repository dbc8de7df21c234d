/** Test-only services, registered by test/worker/entry.ts. */
import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/** Answers a text message with its UTF-8 bytes as a binary frame, to the sender only. */
class Bytes implements Service {
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text !== undefined) ctx.sendMessage(client, new TextEncoder().encode(text));
		else ctx.sendMessage(MessageRecipient.everyoneExcept(client), `got ${message.bytes()?.length} bytes`);
	}
}

/** Counts messages, but throws on "boom" after changing its state and sending a message. */
class Fragile implements Service {
	count = 0;
	log: string[] = [];
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		this.count += 1;
		this.log.push(message.text() ?? "");
		ctx.sendMessage(MessageRecipient.broadcast(), `count ${this.count}`);
		if (message.text() === "boom") {
			ctx.setTimer(0);
			throw new Error("boom requested");
		}
	}
	timer(ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), "timer fired");
	}
}

/** Keeps a class instance in a field after "store": its state cannot be saved. */
class Handle {
	constructor(readonly name: string) {}
}
class Unstorable implements Service {
	items = new Map<string, unknown>();
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		if (message.text() === "store") this.items.set("a", new Handle("a"));
		ctx.sendMessage(MessageRecipient.broadcast(), `items ${this.items.size}`);
	}
}

/** Keeps rich values, a transient cache and a counter; reports them after every message. */
class Rich implements Service {
	static readonly transient = ["cache"];
	seen = new Set<string>();
	when = new Date(0);
	big = 0n;
	raw = new Uint8Array([1, 2, 3]);
	nested: { list: (number | undefined)[]; $sr: string } = { list: [1, undefined, 3], $sr: "tricky" };
	cache = new Map<string, string>();
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text() ?? "";
		this.seen.add(text);
		this.cache.set(text, text);
		this.big += 1n;
		this.when = new Date(1000 * this.seen.size);
		ctx.sendMessage(
			MessageRecipient.broadcast(),
			JSON.stringify({
				seen: [...this.seen],
				cache: this.cache.size,
				big: this.big.toString(),
				when: this.when.toISOString(),
				raw: [...this.raw],
				nested: this.nested,
			}),
		);
	}
}

/** Custom persistence: keeps a running total through save()/restore() only. */
class Custom implements Service {
	#total = 0;
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		this.#total += Number(message.text() ?? 0);
		ctx.sendMessage(MessageRecipient.broadcast(), `total ${this.#total}`);
	}
	save(): unknown {
		return { total: this.#total };
	}
	restore(saved: unknown): void {
		this.#total = (saved as { total: number }).total;
	}
}

/** Opts out of persistence: a woken room starts from a fresh instance. */
class Ephemeral implements Service {
	static readonly persistence = "none";
	count = 0;
	message(_client: ClientId, _message: MessagePayload, ctx: ServiceContext): void {
		this.count += 1;
		ctx.sendMessage(MessageRecipient.broadcast(), `count ${this.count}`);
	}
}

/** An async handler that yields: events must still be processed one at a time, in order. */
class Slow implements Service {
	order: string[] = [];
	async message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): Promise<void> {
		const text = message.text() ?? "";
		await new Promise((resolve) => setTimeout(resolve, text === "slow" ? 50 : 0));
		this.order.push(text);
		ctx.sendMessage(MessageRecipient.broadcast(), this.order.join(","));
	}
}

/** Counts init calls, to prove init runs once in a room's life. */
class InitCounter implements Service {
	inits = 0;
	init(): void {
		this.inits += 1;
	}
	message(_client: ClientId, _message: MessagePayload, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `inits ${this.inits}`);
	}
}

/** Cannot even be constructed: connecting clients must get a close code and the reason. */
class Broken implements Service {
	constructor() {
		throw new Error("the database URL is missing");
	}
}

/** Set by "break": the next construction throws, so the rollback after the failed event fails too. */
let breakNextConstruction = false;

/** Counts "inc"; "break" makes the event fail and the rollback's fresh instance fail as well. */
class Shaky implements Service {
	count = 0;
	constructor() {
		if (breakNextConstruction) {
			breakNextConstruction = false;
			throw new Error("construction failed on purpose");
		}
	}
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		this.count += 1;
		if (message.text() === "break") {
			breakNextConstruction = true;
			throw new Error("break requested");
		}
		ctx.sendMessage(MessageRecipient.broadcast(), `count ${this.count}`);
	}
}

/**
 * Tells everyone who joins and leaves, echoes every message to everyone with its sender, and
 * answers "whoami" with the sender's identity: what the access tests observe. Registered under
 * several names with different settings, so tests can see each name keep its own policy.
 */
class Roster implements Service {
	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `joined ${client} ${JSON.stringify(ctx.identity(client) ?? null)}`);
	}
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		if (message.text() === "whoami") {
			ctx.sendMessage(client, `you ${client} ${JSON.stringify(ctx.identity(client) ?? null)}`);
			return;
		}
		const size = message.text()?.length ?? message.bytes()?.length;
		ctx.sendMessage(MessageRecipient.broadcast(), `${client} sent ${size}`);
	}
	disconnect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `left ${client}`);
	}
}

/**
 * The limits of `test-tight`: small enough to reach in a few messages. The rate refills one
 * message every two seconds, so a slow machine cannot earn an extra one during a flood.
 */
export const TIGHT_LIMITS = { maxClients: 2, maxMessageBytes: 64, messagesPerSecond: 0.5, messageBurst: 3 } as const;

/** Services with access settings (see test/worker/access.test.ts). */
const accessServices = {
	"test-roster": Roster,
	"test-tight": { service: Roster, limits: TIGHT_LIMITS },
	"test-origins": { service: Roster, access: { origins: ["https://app.example.com"] } },
	"test-anyorigin": { service: Roster, access: { origins: ["*"] } },
	"test-private": { service: Roster, access: { token: "required" } },
	"test-private-b": { service: Roster, access: { token: "required", secretName: "TEST_OTHER_SECRET" } },
	"test-nosecret": { service: Roster, access: { token: "required", secretName: "TEST_UNSET_SECRET" } },
	"test-gated": Roster,
} as const;

/**
 * Large collections, big enough to be watched entry by entry: a list of items, a Map of
 * players (objects changed in place) and a plain object of tags. Commands are text:
 * "fill N", "set I TEXT", "push TEXT", "score NAME", "drop NAME", "tag K V", "store",
 * "fail I TEXT" (changes an item, then throws); every reply reports the state's shape.
 */
class Ledger implements Service {
	items: string[] = [];
	players = new Map<string, { score: number } | Handle>();
	tags: Record<string, string> = {};
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const [command = "", first = "", second = ""] = (message.text() ?? "").split(" ");
		if (command === "fill") {
			const count = Number(first);
			this.items = Array.from({ length: count }, (_, index) => `item-${index}`);
			this.players = new Map(Array.from({ length: count }, (_, index) => [`p${index}`, { score: 0 }]));
			this.tags = Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, "v"]));
		}
		if (command === "set") this.items[Number(first)] = second;
		if (command === "push") this.items.push(first);
		if (command === "score") {
			const player = this.players.get(first) ?? { score: 0 };
			if (player instanceof Handle) throw new Error("not a player");
			player.score += 1;
			this.players.set(first, player);
		}
		if (command === "drop") this.players.delete(first);
		if (command === "tag") this.tags[first] = second;
		if (command === "store") this.players.set(first, new Handle(first));
		if (command === "fail") {
			this.items[Number(first)] = second;
			throw new Error("fail requested");
		}
		const players = [...this.players.entries()];
		ctx.sendMessage(
			MessageRecipient.broadcast(),
			JSON.stringify({
				items: this.items.length,
				last: this.items.at(-1),
				first: this.items[0],
				item700: this.items[700],
				players: players.length,
				firstPlayer: players[0]?.[0],
				lastPlayer: players.at(-1),
				tags: Object.keys(this.tags).length,
				k5: this.tags.k5,
			}),
		);
	}
}

/**
 * Logs what a client sent, as services often do: with console.log before its first await, and
 * with console.warn (and an error made from the text, to console.error) after it; then answers
 * "logged". What the test observes is how those lines come out.
 */
class Logger implements Service {
	async message(client: ClientId, message: MessagePayload, ctx: ServiceContext): Promise<void> {
		const text = message.text() ?? "";
		console.log("got", text);
		await Promise.resolve();
		console.warn(`later: ${text}`);
		console.error(new Error(text));
		ctx.sendMessage(client, "logged");
	}
}

export const testServices = {
	"test-logger": Logger,
	...accessServices,
	"test-ledger": Ledger,
	"test-shaky": Shaky,
	"test-shaky-relaxed": { service: Shaky, durability: "relaxed" },
	"test-broken": Broken,
	"test-bytes": Bytes,
	"test-fragile": Fragile,
	"test-unstorable": Unstorable,
	"test-rich": Rich,
	"test-custom": Custom,
	"test-ephemeral": Ephemeral,
	"test-slow": Slow,
	"test-init": InitCounter,
};
