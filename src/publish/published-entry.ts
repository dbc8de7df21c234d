/**
 * A published service as a room sees it: a catalog entry like a bundled service's, whose
 * engine runs the service in its own isolate (remote-engine.ts), with the settings it was
 * published with.
 */
import type { CatalogEntry } from "../registry.ts";
import { resolveSettings } from "../settings.ts";
import { fetcherIn, type GuestCode, loaderIn } from "./loader.ts";
import { activeVersion, catalogIn } from "./lookup.ts";
import type { PublishedCatalog } from "./published-services.ts";
import { publishedEngine } from "./remote-engine.ts";
import type { PublishedVersion } from "./versions.ts";

/** A published service's entry, with the version it is. */
export interface PublishedEntry extends CatalogEntry {
	readonly version: string;
}

/**
 * The entry of published service `service` for the room whose state `ctx` is: the version the
 * router named (`version`), or else the one the service runs now. `undefined` when the service
 * is not published, or when this Worker cannot run published services.
 */
export async function publishedEntry(
	ctx: DurableObjectState,
	env: unknown,
	service: string,
	version?: string,
): Promise<PublishedEntry | undefined> {
	const catalog = catalogIn(env);
	const loader = loaderIn(env);
	if (!catalog || !loader) return undefined;
	const record =
		version !== undefined
			? ((await catalog.version(service, version)) ?? (await activeVersion(catalog, service)))
			: await activeVersion(catalog, service);
	if (!record) return undefined;
	const settings = resolveSettings(service, record.settings);
	const code = () => guestCode(catalog, record, env);
	return {
		name: service,
		version: record.version,
		settings,
		// Room handles are for bundled services: a published service's codec stays in its isolate.
		messages: undefined,
		factory: publishedEngine({ ctx, loader, code }, record, settings),
	};
}

async function guestCode(catalog: PublishedCatalog, record: PublishedVersion, env: unknown): Promise<GuestCode> {
	const bytes = await catalog.code(record.service, record.version);
	if (!bytes) throw new Error(`version ${record.version.slice(0, 12)} of "${record.service}" has been deleted`);
	// A grant whose binding is gone (the Worker was redeployed without it) is no network at all.
	const outbound = record.outbound ? (fetcherIn(env, record.outbound) ?? null) : null;
	return { service: record.service, version: record.version, language: record.language, bytes, outbound };
}
