/**
 * The services a deployment serves, by name. A service is a TypeScript class or a
 * WebAssembly module; the rest of the system sees only the `EngineFactory` made from it.
 */
import type { EngineFactory } from "./room/engine.ts";
import { typescriptEngine } from "./service/engine.ts";
import type { ServiceClass } from "./service/service.ts";
import { wasmEngine } from "./wasm/engine.ts";

export type ServiceDefinition = ServiceClass | WebAssembly.Module;

export interface ServiceRegistry {
	/** The service behind `/ws` and `/ws/:room`. */
	readonly default: string;
	readonly services: Readonly<Record<string, ServiceDefinition>>;
}

/** Service names appear in URLs (`/s/:service/ws/:room`) and in Durable Object names. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Declares the services of a deployment, checking names and the default up front.
 *
 * @example
 * export default defineServices({ default: "counter", services: { counter: Counter, echo: Echo } });
 */
export function defineServices(registry: ServiceRegistry): ServiceRegistry {
	for (const name of Object.keys(registry.services)) {
		if (!SERVICE_NAME.test(name)) {
			throw new Error(
				`Service name "${name}" is not allowed: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit.`,
			);
		}
	}
	if (!Object.hasOwn(registry.services, registry.default)) {
		throw new Error(
			`The default service "${registry.default}" is not registered; registered: ${Object.keys(registry.services).join(", ") || "none"}.`,
		);
	}
	return registry;
}

/** Looks services up by name and builds each one's engine factory once per isolate. */
export class Services {
	readonly #factories = new Map<string, EngineFactory>();

	constructor(readonly registry: ServiceRegistry) {}

	has(name: string): boolean {
		return Object.hasOwn(this.registry.services, name);
	}

	/** The factory for a registered service; throws with the registered names otherwise. */
	factory(name: string): EngineFactory {
		const cached = this.#factories.get(name);
		if (cached) return cached;
		if (!this.has(name)) {
			throw new Error(`Service "${name}" is not registered in this deployment.`);
		}
		const definition = this.registry.services[name] as ServiceDefinition;
		const factory =
			definition instanceof WebAssembly.Module ? wasmEngine(name, definition) : typescriptEngine(name, definition);
		this.#factories.set(name, factory);
		return factory;
	}
}
