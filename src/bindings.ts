/**
 * The names under which a Worker binds Stateroom's Durable Object namespaces (`name` of the
 * `[[durable_objects.bindings]]` in wrangler.toml). A Worker that hosts Stateroom next to its
 * own bindings can choose them (`createStateroom(services, { bindings })`); the router, the
 * admin API and every room read the namespaces through here.
 */
import { HttpError } from "./errors.ts";
import { quoteForLog } from "./log.ts";

/** Binding names; each defaults to the name in {@link DEFAULT_BINDINGS}. */
export interface StateroomBindings {
	/** The `Room` namespace. Default `"ROOMS"`. */
	readonly rooms?: string;
	/** The `Directory` namespace (optional: without it the admin API cannot list rooms). Default `"DIRECTORY"`. */
	readonly directory?: string;
}

export type BindingNames = Required<StateroomBindings>;

export const DEFAULT_BINDINGS: BindingNames = { rooms: "ROOMS", directory: "DIRECTORY" };

/** The namespaces under their default names (the `env` of a Worker that keeps them). */
export interface RoomsEnv {
	readonly ROOMS: DurableObjectNamespace;
}
export interface DirectoryEnv {
	/** Absent in a deployment without a room directory. */
	readonly DIRECTORY?: DurableObjectNamespace;
}

/** A JavaScript identifier, as wrangler requires of a binding name. */
const BINDING_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The names to use, checked; throws at start-up on a name no wrangler.toml could bind. */
export function resolveBindings(bindings: StateroomBindings = {}): BindingNames {
	const names = { ...DEFAULT_BINDINGS, ...bindings };
	for (const [role, name] of Object.entries(names)) {
		if (typeof name !== "string" || !BINDING_NAME.test(name)) {
			throw new Error(
				`createStateroom: bindings.${role} is ${quoteForLog(String(name))}, which is not a binding name. ` +
					`Fix: give the \`name\` of its [[durable_objects.bindings]] in wrangler.toml, such as "${DEFAULT_BINDINGS[role as keyof BindingNames]}".`,
			);
		}
	}
	if (names.rooms === names.directory) {
		throw new Error(
			`createStateroom: bindings.rooms and bindings.directory are both "${names.rooms}", but they bind two different classes (Room and Directory). Fix: give each its own name.`,
		);
	}
	return names;
}

/**
 * The binding names this Worker's rooms use: `createStateroom` sets them while the entry module
 * loads, as it sets the catalog (registry.ts), since a Room only sees the Worker's `env`.
 */
let deployed: BindingNames = DEFAULT_BINDINGS;

export function deployBindings(names: BindingNames): void {
	deployed = names;
}

/** The room directory's namespace in a Durable Object's `env`, when the Worker binds one. */
export function directoryOf(env: unknown): DurableObjectNamespace | undefined {
	return directoryIn(env, deployed);
}

/** The Room namespace in `env`; a 500 that names the missing binding when the Worker has none. */
export function roomsOf(env: unknown, names: BindingNames): DurableObjectNamespace {
	const rooms = namespaceIn(env, names.rooms);
	if (rooms) return rooms;
	throw new HttpError(
		500,
		`This Worker has no Durable Object namespace bound as ${quoteForLog(names.rooms)}, where Stateroom's rooms live. ` +
			`Fix: add [[durable_objects.bindings]] with name = "${names.rooms}" and class_name = "Room" to wrangler.toml, ` +
			"or pass the name you bound as createStateroom's `bindings.rooms`.",
	);
}

/** The Directory namespace in `env`, when the Worker binds one. */
export function directoryIn(env: unknown, names: BindingNames): DurableObjectNamespace | undefined {
	return namespaceIn(env, names.directory);
}

/** The Directory namespace in `env`; a 503 that names the missing binding when the Worker has none. */
export function requireDirectory(env: unknown, names: BindingNames): DurableObjectNamespace {
	const directory = directoryIn(env, names);
	if (directory) return directory;
	throw new HttpError(
		503,
		`This deployment has no room directory: bind the Directory Durable Object as ${names.directory} in wrangler.toml (see docs/operating.md).`,
	);
}

function namespaceIn(env: unknown, name: string): DurableObjectNamespace | undefined {
	const value = typeof env === "object" && env !== null ? (env as Record<string, unknown>)[name] : undefined;
	return isNamespace(value) ? value : undefined;
}

function isNamespace(value: unknown): value is DurableObjectNamespace {
	return (
		typeof value === "object" && value !== null && typeof (value as { idFromName?: unknown }).idFromName === "function"
	);
}
