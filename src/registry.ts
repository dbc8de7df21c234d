/**
 * The services a deployment serves, by name. A service is implemented by a TypeScript class
 * or a WebAssembly module, with optional settings; rooms see only the `EngineFactory` made from
 * the implementation and the resolved settings.
 */

import type { MessageCodec } from "./api/messages.ts";
import type { MessagePayload } from "./api/payload.ts";
import type { ServiceClass } from "./api/service.ts";
import type { EngineFactory } from "./engine.ts";
import { isServiceName, SERVICE_NAME_RULE, type ServiceName } from "./naming.ts";
import { type ResolvedSettings, resolveSettings, type ServiceSettings } from "./settings.ts";
import { typescriptEngine } from "./typescript/class-engine.ts";
import { wasmEngine } from "./wasm/module-engine.ts";

/** What runs a service: a TypeScript class, or a WebAssembly module (Stateroom ABI v1). */
export type ServiceImplementation = ServiceClass | WebAssembly.Module;

/** A service as registered: its implementation alone (default settings), or with settings. */
export type ServiceDefinition = ServiceImplementation | ConfiguredService;

/** An implementation with its settings: `{ implementation: Counter, limits: { maxClients: 10 } }`. */
export interface ConfiguredService extends ServiceSettings {
	readonly implementation: ServiceImplementation;
}

export interface ServiceRegistry {
	/** The service behind `/ws` and `/ws/:room`. */
	readonly default: ServiceName;
	readonly services: Readonly<Record<ServiceName, ServiceDefinition>>;
}

/**
 * Declares the services of a deployment, checking names, the default and every service's
 * settings up front, so that a mistake fails the Worker's start with its name.
 *
 * @example
 * export default defineServices({
 *   default: "counter",
 *   services: { counter: Counter, echo: Echo },
 * });
 */
export function defineServices<Registry extends ServiceRegistry>(
	registry: Registry & {
		readonly services: { readonly [Name in keyof Registry["services"]]: CodecCheck<Registry["services"][Name]> };
	},
): Registry {
	for (const [name, definition] of Object.entries(registry.services)) {
		if (!isServiceName(name)) throw new Error(`Service name "${name}" is not allowed: use ${SERVICE_NAME_RULE}.`);
		checkImplementation(name, definition);
		resolveSettings(name, settingsOf(definition));
	}
	if (!Object.hasOwn(registry.services, registry.default)) {
		throw new Error(
			`The default service "${registry.default}" is not registered; registered: ${Object.keys(registry.services).join(", ") || "none"}.`,
		);
	}
	return registry;
}

/**
 * A type check of one definition: `unknown` (no constraint) unless its class takes typed messages
 * (`Service<Env, In, Out>` with an `In` that frames are not) and has no codec to make them, which
 * would hand it frames typed as something else. Then a sentence that says the fix, which the class
 * is not, so the registration does not compile.
 */
type CodecCheck<Definition> =
	NeedsCodec<
		Definition extends { readonly implementation: infer Implementation } ? Implementation : Definition
	> extends true
		? "this class types its messages (Service<Env, In, Out>) but has no codec: add `static messages = jsonMessages<In, Out>()`"
		: unknown;

type NeedsCodec<Implementation> = Implementation extends { readonly messages: MessageCodec<unknown, never> }
	? false
	: Implementation extends abstract new () => infer Instance
		? Instance extends { message?(client: never, message: infer In, ctx: never): unknown }
			? [MessagePayload] extends [In]
				? false
				: true
			: false
		: false;

/** One registered service, ready to run: its engine factory and its settings. */
export interface CatalogEntry {
	readonly name: ServiceName;
	readonly factory: EngineFactory;
	readonly settings: ResolvedSettings;
	/** The service's message codec (`static messages`), for what a room handle sends; none for raw frames. */
	readonly messages: MessageCodec<unknown, never> | undefined;
}

/** Looks services up by name; builds each one's engine factory once per isolate. */
export class ServiceCatalog {
	readonly #entries = new Map<string, CatalogEntry>();

	constructor(readonly registry: ServiceRegistry) {}

	get defaultService(): ServiceName {
		return this.registry.default;
	}

	names(): ServiceName[] {
		return Object.keys(this.registry.services);
	}

	has(name: string): boolean {
		return Object.hasOwn(this.registry.services, name);
	}

	/** The entry of a registered service; throws with the registered names otherwise. */
	get(name: string): CatalogEntry {
		const cached = this.#entries.get(name);
		if (cached) return cached;
		if (!this.has(name)) {
			throw new Error(
				`Service "${name}" is not registered in this deployment; registered: ${this.names().join(", ")}.`,
			);
		}
		const definition = this.registry.services[name] as ServiceDefinition;
		const implementation = implementationOf(definition);
		const settings = resolveSettings(name, settingsOf(definition));
		const entry: CatalogEntry = {
			name,
			settings,
			messages: implementation instanceof WebAssembly.Module ? undefined : implementation.messages,
			factory:
				implementation instanceof WebAssembly.Module
					? wasmEngine(name, implementation, { ...settings.limits, onModuleChange: settings.onModuleChange })
					: typescriptEngine(name, implementation),
		};
		this.#entries.set(name, entry);
		return entry;
	}
}

/**
 * The catalog this Worker serves: `createStateroom` sets it once, while the entry module loads,
 * and every `Room` (and so every room the runtime starts afterwards) reads it. One deployment per
 * Worker, as a Worker has one `Room` class and one `ROOMS` binding.
 */
let deployed: ServiceCatalog | undefined;

export function deployCatalog(catalog: ServiceCatalog): void {
	if (deployed !== undefined && deployed !== catalog) {
		throw new Error(
			"createStateroom was called a second time in this Worker, but a Worker serves one deployment (one Room class, one ROOMS binding). " +
				"Fix: call createStateroom once, in the Worker's entry module, with every service in its registry.",
		);
	}
	deployed = catalog;
}

export function deployedCatalog(): ServiceCatalog {
	if (deployed === undefined) {
		throw new Error(
			"A room started, but this Worker has no services: its entry module never called createStateroom. " +
				'Fix: in the entry module (wrangler.toml `main`), `export { Directory, Room } from "stateroom";` and ' +
				"`export default createStateroom(services).worker;`.",
		);
	}
	return deployed;
}

function isConfigured(definition: ServiceDefinition): definition is ConfiguredService {
	return typeof definition === "object" && !(definition instanceof WebAssembly.Module);
}

/**
 * A definition's type lets any object through (an empty interface, `WebAssembly.Module`, is part
 * of the union), so the implementation is checked here, where a mistake can still be named.
 */
function checkImplementation(name: string, definition: ServiceDefinition): void {
	const implementation = implementationOf(definition);
	if (typeof implementation === "function" || implementation instanceof WebAssembly.Module) return;
	const keys = typeof definition === "object" && definition !== null ? Object.keys(definition).join(", ") : "";
	throw new Error(
		`Service "${name}" has no implementation: expected a TypeScript class, a WebAssembly module, or ` +
			`{ implementation: <class or module>, ...settings }${keys ? `; got an object with ${keys}` : ""}. ` +
			"Fix: register the class or module itself, or put it under `implementation`.",
	);
}

function implementationOf(definition: ServiceDefinition): ServiceImplementation {
	return isConfigured(definition) ? definition.implementation : definition;
}

function settingsOf(definition: ServiceDefinition): ServiceSettings {
	if (!isConfigured(definition)) return {};
	const { implementation: _implementation, ...settings } = definition;
	return settings;
}
