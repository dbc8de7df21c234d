/**
 * Runs a TypeScript service class as a room's engine, and keeps its fields in storage: after
 * each event, only the fields (and the entries of large collections) that changed are written.
 */

import { MessagePayload, type PayloadLike } from "../api/payload.ts";
import { MessageRecipient, type RecipientLike } from "../api/recipient.ts";
import type { Service, ServiceClass, ServiceContext } from "../api/service.ts";
import type { Effects, Engine, EngineFactory, RequestEvent, ServiceEvent, StateWrites } from "../engine.ts";
import { NO_WRITES } from "../engine.ts";
import { arrayIncludes } from "../intrinsics.ts";
import { describeRoom, type RoomAddress, type ServiceName } from "../naming.ts";
import { runWithServiceConsole } from "./service-console.ts";
import { UnstorableStateError } from "./state-codec.ts";
import { outsideEventError } from "./state-places.ts";
import { unwrap } from "./state-proxies.ts";
import { SAVED, StoredState } from "./stored-state.ts";

export function typescriptEngine(name: ServiceName, implementation: ServiceClass): EngineFactory {
	validateClass(name, implementation);
	return {
		language: "typescript",
		handlesRequests: typeof (implementation.prototype as Service).request === "function",
		build: () => null,
		async create(room, stored) {
			return new TypeScriptEngine(name, implementation, room, StoredState.read(stored));
		},
		inspect(stored) {
			// The stored JSON as it is, tags for Map, Set, Date, ... included: what is really kept.
			return StoredState.read(stored).inspect();
		},
	};
}

function validateClass(name: ServiceName, implementation: ServiceClass): void {
	const prototype = implementation.prototype as Service;
	if ((prototype.save === undefined) !== (prototype.restore === undefined)) {
		throw new Error(
			`Service "${name}" implements only one of save() and restore(). Implement both, or neither to keep its fields automatically.`,
		);
	}
}

class TypeScriptEngine implements Engine {
	#instance: Service<never>;
	/** The state as last stored, field by field, so that only what changed is written. */
	readonly #stored: StoredState;
	/** The service's fields as of the last checkpoint (or start), to find changes made between events. */
	#fieldsAsStored: Map<string, unknown> | undefined;
	/** How log lines name the room, built once rather than per event. */
	readonly #label: string;

	constructor(
		private readonly name: ServiceName,
		private readonly implementation: ServiceClass,
		private readonly room: RoomAddress,
		stored: StoredState,
	) {
		this.#stored = stored;
		this.#label = describeRoom(room);
		this.#instance = this.instantiate();
	}

	run(event: ServiceEvent, effects: Effects): Promise<void> | undefined {
		this.refuseChangesOutsideEvents();
		const places = this.#stored.places;
		places.open = true;
		let pending: Promise<void> | undefined;
		try {
			// The handler's console lines come out escaped, after the room's name (see service-console.ts).
			pending = runWithServiceConsole(this.#label, () => this.handle(event, this.context(effects), effects));
		} finally {
			if (pending === undefined) places.open = false;
		}
		return pending?.finally(() => {
			places.open = false;
		});
	}

	private handle(event: ServiceEvent, ctx: ServiceContext<never, never>, effects: Effects): void | Promise<void> {
		const service = this.#instance;
		switch (event.kind) {
			case "init":
				return service.init?.(ctx);
			case "connect":
				return service.connect?.(event.client, ctx);
			case "disconnect":
				return service.disconnect?.(event.client, ctx);
			case "message": {
				const codec = this.implementation.messages;
				// `never`: the codec's `In` is the service's own, which only its declaration ties together.
				const message = (codec ? codec.decode(event.payload) : event.payload) as never;
				return service.message?.(event.client, message, ctx);
			}
			case "timer":
				return service.timer?.(ctx);
			case "request":
				return this.answer(event, ctx, effects);
		}
	}

	/**
	 * Runs the service's HTTP handler and reads its response whole, within the event: its body
	 * counts toward the event's output, and nothing of the service runs after the event ends.
	 */
	private async answer(event: RequestEvent, ctx: ServiceContext<never, never>, effects: Effects): Promise<void> {
		const handler = this.#instance.request;
		if (typeof handler !== "function") throw new Error(`Service "${this.name}" has no request() method.`);
		const response: unknown = await handler.call(this.#instance, event.request, ctx, {
			path: event.path,
			identity: event.identity,
		});
		if (!(response instanceof Response)) {
			throw new TypeError(
				`request() returned ${response === null ? "null" : typeof response}; it must return a Response (or a promise of one).`,
			);
		}
		if (response.webSocket) {
			throw new TypeError(
				"request() returned a WebSocket; a room's WebSockets are its clients, which connect at /s/:service/ws/:room.",
			);
		}
		const body = response.body === null ? null : new Uint8Array(await response.arrayBuffer());
		effects.respond?.({ status: response.status, statusText: response.statusText, headers: response.headers, body });
	}

	/**
	 * A field assigned while no event ran (by a callback that outlived its event) would be kept
	 * by a room that stays in memory and lost by one that is evicted first. Writes through state
	 * proxies are refused as they happen; an assignment to a field itself is found here, before
	 * the next event, and undone: the service goes back to its state as last stored.
	 */
	private refuseChangesOutsideEvents(): void {
		const last = this.#fieldsAsStored;
		if (last === undefined) return;
		const now = this.fields(this.#instance);
		const changed =
			[...now].find(([name, value]) => !last.has(name) || !Object.is(last.get(name), value))?.[0] ??
			[...last.keys()].find((name) => !now.has(name));
		if (changed === undefined) return;
		console.error(
			`[stateroom] Service "${this.name}", room "${this.room.roomId}": ${outsideEventError(`this.${changed}`).message} The change was undone.`,
		);
		this.#instance = this.instantiate();
	}

	checkpoint(): StateWrites {
		if (this.implementation.persistence === "none") return NO_WRITES;
		const instance = this.#instance;
		const saveMode = instance.save !== undefined;
		try {
			const values = saveMode ? new Map([[SAVED, instance.save?.()]]) : this.fields(instance);
			const { writes, replaced } = this.#stored.checkpoint(values, (field) =>
				saveMode ? `${this.implementation.name}.save()` : `this.${field}`,
			);
			// Fields that held the service's own objects now hold Stateroom's copies.
			for (const [name, value] of replaced) {
				(instance as unknown as Record<string, unknown>)[name] = value;
				values.set(name, value);
			}
			this.#fieldsAsStored = saveMode ? undefined : values;
			return writes;
		} catch (error) {
			if (!(error instanceof UnstorableStateError)) throw error;
			// A problem that names its own fix (an alias, a frozen object, ...) needs no other.
			const fixes = error.problem.includes(" Fix: ")
				? ""
				: ` Fix: keep only plain data in fields; or list the field in \`static transient = ["${topField(error.path)}"]\`; ` +
					'or implement save() and restore(); or set `static persistence = "none"`.';
			throw new Error(`Service "${this.name}" cannot be saved: ${error.message}${fixes}`);
		}
	}

	async rollback(): Promise<void> {
		this.#instance = this.instantiate();
	}

	private instantiate(): Service<never> {
		const instance = new this.implementation();
		this.#fieldsAsStored = undefined;
		if (this.implementation.persistence === "none") return instance;
		const saveMode = instance.save !== undefined;
		const saved = this.#stored.restore(saveMode, (field) => `this.${field}`);
		if (saved !== undefined) {
			if (instance.restore) instance.restore(saved.get(SAVED));
			else Object.assign(instance, Object.fromEntries(saved));
		}
		if (!saveMode) this.#fieldsAsStored = this.fields(instance);
		return instance;
	}

	private fields(instance: Service<never>): Map<string, unknown> {
		// A loop rather than entries/filter/Set: this runs after every event.
		const skip = this.implementation.transient;
		const values = new Map<string, unknown>();
		for (const key of Object.keys(instance)) {
			if (!(skip && arrayIncludes(skip, key))) values.set(key, (instance as unknown as Record<string, unknown>)[key]);
		}
		return values;
	}

	// `never`: the service declares its env's type (`ServiceContext<Env>`); only the deployment's
	// configuration, not a type here, can make it true.
	private context(effects: Effects): ServiceContext<never, never> {
		const codec = this.implementation.messages;
		return {
			roomId: this.room.roomId,
			env: effects.env as never,
			sendMessage(recipient: RecipientLike, message: unknown) {
				// Bytes from the state are a state proxy, which the platform's send does not take.
				const frame = codec ? codec.encode(unwrap(message) as never) : (unwrap(message) as PayloadLike);
				effects.send(MessageRecipient.from(recipient), MessagePayload.from(frame));
			},
			setTimer(ms: number) {
				effects.setTimer(ms);
			},
			identity(client) {
				return effects.identity?.(client);
			},
			clients() {
				return effects.clients?.() ?? [];
			},
			close(client, code, reason) {
				effects.close?.(client, code, reason);
			},
			connection(client) {
				return {
					get state() {
						return effects.connectionState?.(client);
					},
					set state(state: unknown) {
						// A value from the service's fields is a state proxy: store the data itself.
						effects.setConnectionState?.(client, unwrap(state));
					},
				};
			},
		};
	}
}

function topField(path: string): string {
	return /^this\.([^.[ ]+)/.exec(path)?.[1] ?? "field";
}
