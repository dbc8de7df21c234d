/**
 * Runs a TypeScript service class as a room's engine, and keeps its fields in storage.
 */

import { MessagePayload, type PayloadLike } from "../api/payload.ts";
import { MessageRecipient, type RecipientLike } from "../api/recipient.ts";
import type { Service, ServiceClass, ServiceContext } from "../api/service.ts";
import type { Effects, Engine, EngineFactory, ServiceEvent, StateWrites } from "../engine.ts";
import { NO_WRITES } from "../engine.ts";
import type { RoomAddress } from "../naming.ts";
import { decodeState, encodeState, UnstorableStateError } from "./state-codec.ts";

/** Storage keys of a TypeScript service's state: the snapshot, split into chunks. */
const CHUNK_COUNT_KEY = "ts/chunks";
const chunkKey = (index: number) => `ts/chunk/${index}`;
/** Keeps each stored value far below the storage API's per-value limit (2 MiB). */
const CHUNK_CHARS = 256 * 1024;

export function typescriptEngine(name: string, service: ServiceClass): EngineFactory {
	validateClass(name, service);
	return {
		kind: "typescript",
		build: () => null,
		async create(room, stored) {
			const snapshot = readSnapshot(stored);
			return new TypeScriptEngine(name, service, room, snapshot);
		},
		inspect(stored) {
			const snapshot = readSnapshot(stored);
			// The stored JSON as it is, tags for Map, Set, Date, ... included: what is really kept.
			return { storedChars: snapshot?.length ?? 0, state: snapshot === undefined ? null : JSON.parse(snapshot) };
		},
	};
}

function validateClass(name: string, service: ServiceClass): void {
	const prototype = service.prototype as Service;
	if ((prototype.save === undefined) !== (prototype.restore === undefined)) {
		throw new Error(
			`Service "${name}" implements only one of save() and restore(). Implement both, or neither to keep its fields automatically.`,
		);
	}
}

function readSnapshot(stored: ReadonlyMap<string, unknown>): string | undefined {
	const count = stored.get(CHUNK_COUNT_KEY);
	if (typeof count !== "number") return undefined;
	let text = "";
	for (let index = 0; index < count; index++) {
		const chunk = stored.get(chunkKey(index));
		if (typeof chunk !== "string") throw new Error(`Stored state is missing chunk ${index} of ${count}.`);
		text += chunk;
	}
	return text;
}

class TypeScriptEngine implements Engine {
	#instance: Service;
	/** The snapshot as last stored, so that unchanged state is not written again. */
	#stored: string | undefined;
	#storedChunks: number;

	constructor(
		private readonly name: string,
		private readonly service: ServiceClass,
		private readonly room: RoomAddress,
		snapshot: string | undefined,
	) {
		this.#stored = snapshot;
		this.#storedChunks = snapshot === undefined ? 0 : Math.ceil(snapshot.length / CHUNK_CHARS);
		this.#instance = this.instantiate(snapshot);
	}

	async run(event: ServiceEvent, effects: Effects): Promise<void> {
		const ctx = this.context(effects);
		const service = this.#instance;
		switch (event.kind) {
			case "init":
				return service.init?.(ctx);
			case "connect":
				return service.connect?.(event.client, ctx);
			case "disconnect":
				return service.disconnect?.(event.client, ctx);
			case "message":
				return service.message?.(event.client, event.payload, ctx);
			case "timer":
				return service.timer?.(ctx);
		}
	}

	checkpoint(): StateWrites {
		const snapshot = this.snapshot();
		if (snapshot === this.#stored || snapshot === undefined) return NO_WRITES;
		const put = new Map<string, unknown>();
		const chunks = Math.max(1, Math.ceil(snapshot.length / CHUNK_CHARS));
		for (let index = 0; index < chunks; index++) {
			put.set(chunkKey(index), snapshot.slice(index * CHUNK_CHARS, (index + 1) * CHUNK_CHARS));
		}
		put.set(CHUNK_COUNT_KEY, chunks);
		const stale: string[] = [];
		for (let index = chunks; index < this.#storedChunks; index++) stale.push(chunkKey(index));
		this.#stored = snapshot;
		this.#storedChunks = chunks;
		return { put, delete: stale };
	}

	async rollback(): Promise<void> {
		this.#instance = this.instantiate(this.#stored);
	}

	private instantiate(snapshot: string | undefined): Service {
		const instance = new this.service();
		if (snapshot === undefined || this.service.persistence === "none") return instance;
		const saved = decodeState(snapshot);
		if (instance.restore) {
			instance.restore(saved);
		} else {
			Object.assign(instance, saved);
		}
		return instance;
	}

	/** The state to store, or `undefined` for a service that keeps none. */
	private snapshot(): string | undefined {
		if (this.service.persistence === "none") return undefined;
		const instance = this.#instance;
		try {
			if (instance.save) return encodeState(instance.save(), `${this.service.name}.save()`);
			return encodeState(this.fields(instance), "this");
		} catch (error) {
			if (!(error instanceof UnstorableStateError)) throw error;
			throw new Error(
				`Service "${this.name}" cannot be saved: ${error.message} ` +
					`Fix: keep only plain data in fields; or list the field in \`static transient = ["${topField(error.path)}"]\`; ` +
					'or implement save() and restore(); or set `static persistence = "none"`.',
			);
		}
	}

	private fields(instance: Service): Record<string, unknown> {
		const skip = new Set(this.service.transient ?? []);
		return Object.fromEntries(Object.entries(instance).filter(([key]) => !skip.has(key)));
	}

	private context(effects: Effects): ServiceContext {
		return {
			roomId: this.room.roomId,
			sendMessage(recipient: RecipientLike, message: PayloadLike) {
				effects.send(MessageRecipient.from(recipient), MessagePayload.from(message));
			},
			setTimer(ms: number) {
				effects.setTimer(ms);
			},
			identity(client) {
				return effects.identity?.(client);
			},
		};
	}
}

function topField(path: string): string {
	return /^this\.([^.[ ]+)/.exec(path)?.[1] ?? "field";
}
