/**
 * Awareness (cursors, names, presence) as the server keeps it: per connection, in the
 * connection's state (`ctx.connection(client).state`), so that it survives hibernation and
 * eviction for as long as the client stays connected, costs no storage write, and needs no timer.
 * Clients renew their own awareness every 15 seconds (y-protocols' `outdatedTimeout / 2`), so
 * the server never expires anything: a connection's entries go when the connection does.
 *
 * The wire format is y-protocols' awareness update: a varUint count, then per entry the Yjs
 * client id (varUint), its clock (varUint) and its state as JSON (varString, `null` once gone).
 * It is read and written here with lib0 because y-protocols' `Awareness` class runs an interval
 * timer of its own, which would keep a room from hibernating.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { MalformedMessage } from "./protocol.ts";

/** One Yjs client's awareness: `state` is `null` once the client said it left. */
export interface AwarenessEntry {
	readonly id: number;
	readonly clock: number;
	readonly state: unknown;
}

/** Most Yjs client ids one connection may hold an awareness for (a provider has one). */
export const MAX_AWARENESS_IDS = 8;

/** What a connection state may hold, as JSON (see `Connection` in the service API). */
const MAX_CONNECTION_STATE_BYTES = 1024;

/** How a connection's entries are kept in its connection state: `[id, clock, state?]`. */
type StoredEntry = [id: number, clock: number, state?: unknown];

/** Reads an awareness update; throws `MalformedMessage` for one that y-protocols would not write. */
export function readAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
	try {
		const decoder = decoding.createDecoder(update);
		const count = decoding.readVarUint(decoder);
		const entries: AwarenessEntry[] = [];
		for (let index = 0; index < count; index++) {
			const id = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			const state: unknown = JSON.parse(decoding.readVarString(decoder));
			entries.push({ id, clock, state });
		}
		return entries;
	} catch (error) {
		throw new MalformedMessage(
			`malformed awareness update (${error instanceof Error ? error.message : String(error)})`,
		);
	}
}

/** Writes entries as one awareness update. */
export function writeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const { id, clock, state } of entries) {
		encoding.writeVarUint(encoder, id);
		encoding.writeVarUint(encoder, clock);
		encoding.writeVarString(encoder, JSON.stringify(state));
	}
	return encoding.toUint8Array(encoder);
}

/**
 * A connection's entries after `incoming`: newer clocks win (as in y-protocols), and at most
 * {@link MAX_AWARENESS_IDS} ids are kept, the most recently changed.
 */
export function mergeAwareness(
	current: readonly AwarenessEntry[],
	incoming: readonly AwarenessEntry[],
): AwarenessEntry[] {
	const byId = new Map(current.map((entry) => [entry.id, entry]));
	for (const entry of incoming) {
		const known = byId.get(entry.id);
		if (known !== undefined && known.clock > entry.clock) continue;
		byId.delete(entry.id);
		byId.set(entry.id, entry);
	}
	return [...byId.values()].slice(-MAX_AWARENESS_IDS);
}

/** The removal of every entry that still has a state: what the others are told when a connection ends. */
export function removals(entries: readonly AwarenessEntry[]): AwarenessEntry[] {
	return entries
		.filter((entry) => entry.state !== null)
		.map(({ id, clock }) => ({ id, clock: clock + 1, state: null }));
}

/**
 * The connection state that keeps `entries`: with their states when they fit in the 1,024 bytes
 * a connection state may hold, else ids and clocks only (enough to remove them when the client
 * leaves; their states then live in memory until the next hibernation, and the client's renewal
 * brings them back within 15 s).
 */
export function toConnectionState(entries: readonly AwarenessEntry[]): { value: StoredEntry[]; complete: boolean } {
	const full: StoredEntry[] = entries.map(({ id, clock, state }) => [id, clock, state]);
	if (new TextEncoder().encode(JSON.stringify(full)).length <= MAX_CONNECTION_STATE_BYTES)
		return { value: full, complete: true };
	return { value: entries.map(({ id, clock }) => [id, clock]), complete: false };
}

/** The entries a connection state holds (`[]` for none or for anything else). */
export function fromConnectionState(value: unknown): AwarenessEntry[] {
	if (!Array.isArray(value)) return [];
	const entries: AwarenessEntry[] = [];
	for (const item of value) {
		if (!Array.isArray(item) || typeof item[0] !== "number" || typeof item[1] !== "number") continue;
		entries.push({ id: item[0], clock: item[1], state: item.length > 2 ? item[2] : undefined });
	}
	return entries;
}
