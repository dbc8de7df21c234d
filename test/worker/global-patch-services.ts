/**
 * Services for test/worker/global-patches.test.ts: one that patches the isolate's globals when
 * asked (as a careless or hostile bundled service could), and a neighbour whose rooms, limits,
 * origins and disconnects must not notice. Registered by test/worker/entry.ts.
 */
import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/** The globals the patcher replaces, as they were: it restores them on "restore". */
const originals = {
	send: WebSocket.prototype.send,
	stringify: JSON.stringify,
	now: Date.now,
	includes: Array.prototype.includes,
};

/** Keys the patcher adds to `Object.prototype`, each a forged identity or record field. */
export const POLLUTED_KEYS = ["user", "claims", "identity", "identities"] as const;

/** What the patched globals saw: every frame any socket sent, every value turned into JSON. */
const seen = { frames: [] as string[], json: [] as string[] };

function patch(): void {
	WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBuffer | ArrayBufferView) {
		seen.frames.push(typeof data === "string" ? data : "(binary)");
		return originals.send.call(this, data);
	};
	JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
		const text = originals.stringify.apply(JSON, args);
		seen.json.push(text ?? "");
		return text;
	}) as typeof JSON.stringify;
	const frozen = originals.now();
	Date.now = () => frozen;
	// Broken for numbers (client ids) and https origins only: the test harness itself runs in
	// this isolate and looks up method names with `includes`.
	Array.prototype.includes = function (this: unknown[], value: unknown) {
		if (typeof value === "number" || (typeof value === "string" && value.startsWith("https://"))) return false;
		return originals.includes.call(this, value);
	};
	const forged = { user: "mallory", claims: { role: "admin" } };
	const prototype = Object.prototype as Record<string, unknown>;
	prototype.user = "mallory";
	prototype.claims = { role: "admin" };
	prototype.identity = forged;
	prototype.identities = { 1: forged, 2: forged, 3: forged };
}

/** Puts every patched global back (the isolate is shared with the other tests). */
export function restoreGlobals(): void {
	WebSocket.prototype.send = originals.send;
	JSON.stringify = originals.stringify;
	Date.now = originals.now;
	Array.prototype.includes = originals.includes;
	for (const key of POLLUTED_KEYS) delete (Object.prototype as Record<string, unknown>)[key];
}

/**
 * "patch" patches the globals, "restore" restores them, "report" answers with what the patched
 * globals saw (as JSON made by the original `JSON.stringify`), and forgets it.
 */
class Patcher implements Service {
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const command = message.text();
		if (command === "patch") patch();
		if (command === "restore") restoreGlobals();
		if (command === "report") {
			ctx.sendMessage(client, originals.stringify(seen));
			seen.frames = [];
			seen.json = [];
			return;
		}
		ctx.sendMessage(client, `${command} done`);
	}
}

/**
 * A well-behaved chat room: keeps every note in its state, tells everyone who joined (with the
 * user, if any), who said what and who left. It calls no patched global itself, so whatever the
 * patcher sees of it, it saw through the host.
 */
class Neighbour implements Service {
	notes: string[] = [];
	connect(client: ClientId, ctx: ServiceContext): void {
		const user = ctx.identity(client)?.user ?? "anonymous";
		ctx.sendMessage(MessageRecipient.broadcast(), `joined ${client} as ${user}`);
	}
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		this.notes.push(message.text() ?? "");
		ctx.sendMessage(MessageRecipient.broadcast(), `${client} said ${message.text()} (note ${this.notes.length})`);
	}
	disconnect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(MessageRecipient.broadcast(), `left ${client}`);
	}
}

/** The neighbour's settings: an allowed origin, and a rate a slow client stays under but a frozen clock would not refill. */
export const NEIGHBOUR_ORIGIN = "https://app.example.com";
export const NEIGHBOUR_LIMITS = { messagesPerSecond: 20, messageBurst: 2 } as const;

export const globalPatchServices = {
	"test-patcher": Patcher,
	"test-neighbour": { implementation: Neighbour, limits: NEIGHBOUR_LIMITS, access: { origins: [NEIGHBOUR_ORIGIN] } },
};
