/** Test-only services, registered by test/worker/entry.ts. */
import {
	ClientId,
	jsonMessages,
	type MessagePayload,
	MessageRecipient,
	type RoomRequestInfo,
	type Service,
	type ServiceContext,
} from "stateroom";
import { yjs } from "stateroom/yjs";

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
	"test-tight": { implementation: Roster, limits: TIGHT_LIMITS },
	"test-origins": { implementation: Roster, access: { origins: ["https://app.example.com"] } },
	"test-anyorigin": { implementation: Roster, access: { origins: ["*"] } },
	"test-private": { implementation: Roster, access: { token: "required" } },
	"test-private-b": { implementation: Roster, access: { token: "required", secretName: "TEST_OTHER_SECRET" } },
	"test-nosecret": { implementation: Roster, access: { token: "required", secretName: "TEST_UNSET_SECRET" } },
	"test-gated": Roster,
} as const;

/** Yjs rooms with a small document quota, with join tokens, and relaxed (test/worker/yjs.test.ts). */
const yjsServices = {
	"test-yjs-small": yjs({ maxDocumentBytes: 4096, limits: { maxMessageBytes: 8192 } }),
	"test-yjs-private": yjs({ access: { token: "required" } }),
	"test-yjs-relaxed": yjs({ durability: "relaxed" }),
	"test-yjs-fast": yjs({ limits: { messagesPerSecond: Number.POSITIVE_INFINITY } }),
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

interface Player {
	name: string;
	score: number;
}

/** What "keep" left for a later event: a reference from outside the state (a module variable). */
let kept: Player | undefined;
/** Module-level defaults, assigned to a field in several rooms (each stores its own copy). */
const DEFAULTS = { volume: 1 };
/** What "tags-raw" left: a Set the service put in a field itself. */
let keptTags: Set<string> | undefined;
/** What "keep-list" left: the list field itself. */
let keptList: Player[] | undefined;
/** What the last callback that ran outside an event reported. */
let outsideError = "";

/**
 * Players in a list (`count` of them: 200 is stored whole, 300 is watched entry by entry) and
 * a current player. Commands: "add N" (N players, and current = players[5]: an alias), "add-id N"
 * (current is an index instead), "bump" (current's score), "pair" (one object twice in a field),
 * "move" (current = players.pop(): a move, not an alias), "keep" (kept = players[5]),
 * "bump-kept", "push-raw" (push a player and keep the object itself), "keep-list" (keep the
 * list field), "push-kept-list", "fail" (throws), "defaults" (settings = a module-level object),
 * "tune" (settings.volume += 1), "tags-raw" (tags = a Set it keeps), "tag-kept" (adds to that Set), "bytes" (sends
 * the bytes field as they are), "later" (a callback that
 * changes state after its event ended), "get" (replies with the state; "keep", "bump-kept" and
 * "later" reply without reading it).
 */
class Aliases implements Service {
	players: Player[] = [];
	current: Player | null = null;
	currentIndex = -1;
	pair: Player[] = [];
	count = 0;
	settings: { volume: number } | null = null;
	tags = new Set<string>();
	raw = new Uint8Array([1, 2, 3]);
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const [command = "", arg = ""] = (message.text() ?? "").split(" ");
		const make = (n: number) => Array.from({ length: n }, (_, index) => ({ name: `p${index}`, score: 0 }));
		if (command === "add") {
			this.players.push(...make(Number(arg)));
			this.current = this.players[5] ?? null;
		}
		if (command === "add-id") {
			this.players.push(...make(Number(arg)));
			this.currentIndex = 5;
		}
		if (command === "bump") {
			const current = this.current ?? this.players[this.currentIndex];
			if (current) current.score += 1;
		}
		if (command === "pair") {
			const one = { name: "one", score: 0 };
			this.pair = [one, one];
		}
		if (command === "move") this.current = this.players.pop() ?? null;
		if (command === "defaults") this.settings = DEFAULTS;
		if (command === "tune" && this.settings) this.settings.volume += 1;
		if (command === "tags-raw") {
			keptTags = new Set(["a"]);
			this.tags = keptTags;
		}
		if (command === "tag-kept") keptTags?.add("b");
		if (command === "bytes") {
			ctx.sendMessage(client, this.raw);
			return;
		}
		if (command === "keep") kept = this.players[5];
		if (command === "keep-list") keptList = this.players;
		if (command === "push-kept-list") keptList?.push({ name: "late", score: 0 });
		if (command === "fail") throw new Error("fail requested");
		if (command === "bump-kept" && kept) kept.score += 1;
		if (command === "push-raw") {
			kept = { name: "raw", score: 0 };
			this.players.push(kept);
		}
		if (command === "later") {
			setTimeout(() => {
				try {
					(this.players[5] as Player).score += 100;
					outsideError = "";
				} catch (error) {
					outsideError = String(error);
				}
				this.count = 99;
			}, 0);
		}
		// These reply without reading the state, so that no entry is read again through the field.
		if (["keep", "bump-kept", "later", "keep-list", "push-kept-list", "tag-kept"].includes(command)) {
			ctx.sendMessage(MessageRecipient.broadcast(), JSON.stringify({ done: command }));
			return;
		}
		const at5 = this.players[5];
		const current = this.current ?? this.players[this.currentIndex];
		ctx.sendMessage(
			MessageRecipient.broadcast(),
			JSON.stringify({
				players: this.players.length,
				list: at5?.score ?? null,
				current: current?.score ?? null,
				same: at5 !== undefined && at5 === current,
				last: this.players.at(-1)?.score ?? null,
				count: this.count,
				volume: this.settings?.volume ?? null,
				tags: [...this.tags],
				outsideError,
			}),
		);
	}
}

/** An exact description of a value: -0, NaN, holes, undefined, bigints, Map and Set order show. */
export function describeExactly(value: unknown): string {
	if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
	if (typeof value === "bigint") return `${value}n`;
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value !== "object" || value === null) return String(value);
	if (Array.isArray(value)) {
		const items: string[] = [];
		for (let index = 0; index < value.length; index++)
			items.push(index in value ? describeExactly(value[index]) : "hole");
		return `[${items.join(",")}]`;
	}
	if (value instanceof Map)
		return `Map{${[...value].map(([k, v]) => `${describeExactly(k)}=>${describeExactly(v)}`).join(",")}}`;
	if (value instanceof Set) return `Set{${[...value].map(describeExactly).join(",")}}`;
	if (value instanceof Date) return `Date(${value.getTime()})`;
	return `{${Object.entries(value)
		.map(([k, v]) => `${JSON.stringify(k)}:${describeExactly(v)}`)
		.join(",")}}`;
}

/**
 * The differential tests' service (test/worker/state-differential.test.ts): plain fields, a
 * list and a Map that grow past the watched size and shrink back, nested objects, and commands
 * that make aliases (refused). Each command is "op a b"; it replies "ok" (reading only what it
 * changed), and "get" replies with the whole state described exactly.
 */
class Differential implements Service {
	count = 0;
	tree: { name: string; tags: string[]; inner: { n: number; ref?: unknown } } = {
		name: "t",
		tags: [],
		inner: { n: 0 },
	};
	list: (number | string | { n: number } | null)[] = [];
	map = new Map<string, { n: number; seen: Set<number> } | number>();
	pick: unknown = null;
	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const [op = "", a = "0", b = "0"] = (message.text() ?? "").split(" ");
		const [x, y] = [Number(a), Number(b)];
		if (op === "get") {
			const state = [this.count, this.tree, this.list, this.map, this.pick].map(describeExactly).join(" | ");
			ctx.sendMessage(MessageRecipient.broadcast(), `get ${state}`);
			return;
		}
		this.apply(op, x, y);
		ctx.sendMessage(MessageRecipient.broadcast(), `ok ${op}`);
	}

	private apply(op: string, x: number, y: number): void {
		const item = (n: number) => (n % 3 === 0 ? { n } : n % 3 === 1 ? `s${n}` : n);
		switch (op) {
			case "count":
				this.count = x === 0 ? -0 : this.count + x;
				return;
			case "tag":
				this.tree.tags.push(`t${x}`);
				this.tree.inner.n += x;
				return;
			case "untag":
				this.tree.tags.splice(x % (this.tree.tags.length + 1), 1);
				return;
			case "push":
				for (let index = 0; index < x; index++) this.list.push(item(y + index));
				return;
			case "pop":
				this.list.pop();
				return;
			case "splice":
				this.list.splice(x % (this.list.length + 1), y % 5, item(x), item(y));
				return;
			case "sort":
				this.list.sort((p, q) => describeExactly(p).localeCompare(describeExactly(q)));
				return;
			case "reverse":
				this.list.reverse();
				return;
			case "shrink":
				this.list.length = Math.floor(this.list.length / 2);
				return;
			case "hole":
				delete this.list[x % (this.list.length + 1)];
				return;
			case "edit": {
				const entry = this.list[x % (this.list.length + 1)];
				if (typeof entry === "object" && entry !== null) entry.n += y;
				return;
			}
			case "set":
				this.map.set(`k${x}`, x % 2 === 0 ? { n: y, seen: new Set([y]) } : y);
				return;
			case "fill":
				for (let index = 0; index < x * 10; index++) this.map.set(`k${index}`, { n: index, seen: new Set() });
				return;
			case "delete":
				this.map.delete(`k${x}`);
				return;
			case "reset":
				// Deleted and set again in one event: the key moves to the end of the order.
				this.map.delete(`k${x}`);
				this.map.set(`k${x}`, y);
				return;
			case "clear":
				this.map.clear();
				return;
			case "see": {
				const entry = this.map.get(`k${x}`);
				if (typeof entry === "object") {
					entry.seen.add(y);
					entry.n -= 1;
				}
				return;
			}
			case "alias-list":
				// The same object at two places: refused (when the entry is an object).
				this.tree.inner.ref = this.list[x % (this.list.length + 1)];
				return;
			case "alias-map":
				this.pick = this.map.get(`k${x}`) ?? null;
				return;
			case "move":
				this.pick = this.list.shift() ?? null;
				return;
			case "drop":
				this.pick = null;
				this.tree.inner.ref = undefined;
				return;
			case "throw":
				this.count += 1;
				throw new Error("throw requested");
		}
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

/** The part of the worker suite's env that `test-platform` reads (vitest.config.ts binds it). */
interface PlatformEnv {
	readonly TEST_OTHER_SECRET: string;
}

/**
 * Reaches the platform through its context. Text commands, answered to the sender: "env" (a
 * variable of the Worker's env), "clients" (the list, as JSON), "close ID CODE REASON", "get",
 * "set JSON" and "clear" (the sender's connection state), and "fail close ID" / "fail set JSON" (the
 * same, then a throw). A refused call answers "refused NAME: MESSAGE". Connects and disconnects
 * are broadcast with the clients the service sees and the leaving client's state.
 */
class Platform implements Service<PlatformEnv> {
	connect(client: ClientId, ctx: ServiceContext<PlatformEnv>): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `joined ${client} ${describeClients(ctx)}`);
	}
	disconnect(client: ClientId, ctx: ServiceContext<PlatformEnv>): void {
		const state = JSON.stringify(ctx.connection(client).state ?? null);
		ctx.sendMessage(MessageRecipient.broadcast(), `left ${client} ${describeClients(ctx)} state ${state}`);
	}
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext<PlatformEnv>): void {
		const text = message.text() ?? "";
		const failing = text.startsWith("fail ");
		const [command = "", ...args] = (failing ? text.slice(5) : text).split(" ");
		try {
			this.run(client, command, args, ctx);
		} catch (error) {
			if (!(error instanceof Error)) throw error;
			ctx.sendMessage(client, `refused ${error.name}: ${error.message}`);
			return;
		}
		if (failing) throw new Error(`failed after ${command}, as asked`);
	}
	private run(client: ClientId, command: string, args: string[], ctx: ServiceContext<PlatformEnv>): void {
		switch (command) {
			case "env":
				ctx.sendMessage(client, `env ${ctx.env.TEST_OTHER_SECRET}`);
				return;
			case "clients":
				ctx.sendMessage(client, `clients ${describeClients(ctx)}`);
				return;
			case "close":
				ctx.close(
					ClientId.of(Number(args[0])),
					args[1] === undefined ? undefined : Number(args[1]),
					args.slice(2).join(" "),
				);
				ctx.sendMessage(client, "closing");
				return;
			case "set":
				ctx.connection(client).state = JSON.parse(args.join(" "));
				ctx.sendMessage(client, `set ${JSON.stringify(ctx.connection(client).state ?? null)}`);
				return;
			case "clear":
				ctx.connection(client).state = undefined;
				ctx.sendMessage(client, `set ${JSON.stringify(ctx.connection(client).state ?? null)}`);
				return;
			case "get":
				ctx.sendMessage(client, `state ${JSON.stringify(ctx.connection(client).state ?? null)}`);
				return;
		}
	}
}

function describeClients(ctx: ServiceContext<PlatformEnv>): string {
	return JSON.stringify(ctx.clients().map(({ id, identity }) => [id, identity?.user ?? null]));
}

export const testServices = {
	"test-platform": Platform,
	"test-logger": Logger,
	"test-differential": Differential,
	"test-aliases": Aliases,
	...accessServices,
	"test-ledger": Ledger,
	"test-shaky": Shaky,
	"test-shaky-relaxed": { implementation: Shaky, durability: "relaxed" },
	"test-broken": Broken,
	"test-bytes": Bytes,
	"test-fragile": Fragile,
	"test-unstorable": Unstorable,
	"test-rich": Rich,
	"test-custom": Custom,
	"test-ephemeral": Ephemeral,
	"test-slow": Slow,
	"test-init": InitCounter,
	...yjsServices,
};

/**
 * A notice board with an HTTP handler. Clients get the notes on connect and every new note;
 * "hold MS" (a message) waits MS milliseconds, then notes "held", so a test can queue a request
 * behind it. Its handler answers, by method and path below the room: `GET /notes` (the notes
 * and how many clients there are), `POST /notes` (notes the body and broadcasts it), `GET /who`
 * (what it was told of the request), `POST /fail` (changes, sends, then throws), `GET /slow`
 * (never settles), `GET /big?bytes=N` (a body of N bytes), `GET /wrong` (returns no Response),
 * `POST /kick/ID` (closes that client with 4000) and 404 for the rest.
 */
class Board implements Service {
	notes: string[] = [];
	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(client, `notes ${JSON.stringify(this.notes)}`);
	}
	async message(_client: ClientId, message: MessagePayload, ctx: ServiceContext): Promise<void> {
		const [command, ms] = (message.text() ?? "").split(" ");
		if (command !== "hold") return;
		await new Promise((resolve) => setTimeout(resolve, Number(ms)));
		this.notes.push("held");
		ctx.sendMessage(MessageRecipient.broadcast(), "note held");
	}
	async request(request: Request, ctx: ServiceContext, { path, identity }: RoomRequestInfo): Promise<Response> {
		const route = `${request.method} ${path}`;
		if (route === "GET /notes") return Response.json({ notes: this.notes, clients: ctx.clients().length });
		if (route === "POST /notes") {
			const text = await request.text();
			this.notes.push(text);
			ctx.sendMessage(MessageRecipient.broadcast(), `note ${text}`);
			return new Response(`noted ${this.notes.length}`, { status: 201, headers: { "x-board": ctx.roomId } });
		}
		if (route === "GET /who") {
			const headers = [...request.headers.keys()].filter((name) => name.startsWith("x-"));
			return Response.json({
				path,
				user: identity?.user ?? null,
				claims: identity?.claims ?? null,
				url: request.url,
				headers,
			});
		}
		if (route === "POST /fail") {
			this.notes.push("lost");
			ctx.sendMessage(MessageRecipient.broadcast(), "never sent");
			throw new Error("failed as asked");
		}
		if (route === "GET /slow") return new Promise(() => {});
		if (route === "GET /big") return new Response("x".repeat(Number(new URL(request.url).searchParams.get("bytes"))));
		if (route === "GET /wrong") return "not a response" as unknown as Response;
		if (request.method === "POST" && path.startsWith("/kick/")) {
			ctx.close(ClientId.of(Number(path.slice("/kick/".length))), 4000, "kicked by a webhook");
			return new Response("kicked");
		}
		return new Response(`no route ${route}`, { status: 404 });
	}
}

/** What test-typed's clients send, and what it sends them. */
export type TypedCommand = { readonly type: "say"; readonly text: string };
export type TypedEvent = { readonly type: "said"; readonly from: number; readonly text: string };

function isCommand(value: unknown): TypedCommand {
	const command = value as Partial<TypedCommand> | null;
	if (command?.type !== "say" || typeof command.text !== "string") throw new TypeError("not a say command");
	return { type: "say", text: command.text };
}

/** Typed JSON messages: a say command is broadcast as a said event. */
class Typed implements Service<Record<string, unknown>, TypedCommand, TypedEvent> {
	static readonly messages = jsonMessages<TypedCommand, TypedEvent>(isCommand);
	said = 0;
	message(client: ClientId, command: TypedCommand, ctx: ServiceContext<Record<string, unknown>, TypedEvent>): void {
		this.said += 1;
		ctx.sendMessage(MessageRecipient.broadcast(), { type: "said", from: client, text: command.text });
	}
}

export const requestServices = {
	"test-board": {
		implementation: Board,
		limits: { eventDeadlineMs: 300, maxOutputBytes: 4096, maxMessageBytes: 1024 },
	},
	"test-board-gated": Board,
	"test-board-token": { implementation: Board, access: { token: "required" } },
	"test-typed": Typed,
} as const;
