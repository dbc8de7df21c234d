import type { ClientId, MessagePayload, Service, ServiceContext } from "stateroom";

/** Each entry is 100 characters, so `fill N` makes about N bytes of state. */
const ENTRY_CHARS = 100;

function entry(seed: number): string {
	return String(seed).padEnd(ENTRY_CHARS, ".");
}

/**
 * The TypeScript side of the state-size ladder: `fill N` makes its state about N bytes (a list
 * of 100-character entries); `touch` changes one entry. A room whose cost per event followed
 * what the event changed would answer `touch` as fast at 10 MB as at 1 KB.
 */
export class StateLadder implements Service {
	entries: string[] = [];
	touches = 0;

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text() ?? "";
		if (text.startsWith("fill ")) {
			const count = Math.max(1, Math.round(Number(text.slice(5)) / ENTRY_CHARS) || 1);
			this.entries = Array.from({ length: count }, (_, index) => entry(index));
			ctx.sendMessage(client, `filled ${count}`);
		} else if (text === "touch") {
			this.touches += 1;
			const count = Math.max(1, this.entries.length);
			this.entries[this.touches % count] = entry(this.touches);
			ctx.sendMessage(client, `touched ${this.touches}`);
		}
	}
}
