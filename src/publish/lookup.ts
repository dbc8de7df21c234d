/**
 * How the host finds published services: the catalog's stub, and the version a service runs,
 * remembered per isolate for a moment so that connects do not each ask the catalog. A publish,
 * rollback or delete made through this isolate forgets the service at once; other isolates
 * see it within {@link LOOKUP_TTL_MS}. A room that is told its version (a connect) never waits
 * for that: the router passes the version it found.
 */
import { dateNow, SafeMap } from "../intrinsics.ts";
import type { PublishedCatalog } from "./published-services.ts";
import type { PublishedVersion } from "./versions.ts";

/** The catalog's binding name. */
export const PUBLISHED_BINDING = "PUBLISHED";
/** How long an isolate trusts the version it last read for a service. */
export const LOOKUP_TTL_MS = 1000;
const CATALOG_NAME = "published";

export function catalogIn(env: unknown): PublishedCatalog | undefined {
	const namespace =
		typeof env === "object" && env !== null ? (env as Record<string, unknown>)[PUBLISHED_BINDING] : undefined;
	if (typeof namespace !== "object" || namespace === null) return undefined;
	const rooms = namespace as DurableObjectNamespace;
	if (typeof rooms.idFromName !== "function") return undefined;
	return rooms.get(rooms.idFromName(CATALOG_NAME)) as unknown as PublishedCatalog;
}

/** Names looked up, published or not: bounded, as any client can ask for any name. */
const MAX_REMEMBERED = 4096;
const remembered = new SafeMap<string, { readonly at: number; readonly version: PublishedVersion | null }>();

/** The version `service` runs now, or `null` when it is not published. */
export async function activeVersion(catalog: PublishedCatalog, service: string): Promise<PublishedVersion | null> {
	const now = dateNow();
	const known = remembered.get(service);
	if (known && now - known.at < LOOKUP_TTL_MS) return known.version;
	const version = await catalog.active(service);
	if (remembered.size >= MAX_REMEMBERED) remembered.clear();
	remembered.set(service, { at: now, version });
	return version;
}

/** Forgets what this isolate knew of `service` (after a change made through it). */
export function forgetService(service: string): void {
	remembered.delete(service);
}
