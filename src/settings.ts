/**
 * Per-service settings, declared next to the service in `defineServices`, and the defaults
 * that fill in whatever a deployment leaves out. Every room of a service runs with the same
 * resolved settings; one service's settings never apply to another.
 */

/** Bounds on what one room of the service, and each of its clients, may use. */
// biome-ignore lint/suspicious/noEmptyInterface: the containment and access limits add their fields here.
export interface ServiceLimits {}

/** What a deployment may say about a service; every field is optional. */
export interface ServiceSettings {
	readonly limits?: Partial<ServiceLimits>;
}

/** Settings with every default filled in: what rooms actually run with. */
export interface ResolvedSettings {
	readonly limits: Readonly<ServiceLimits>;
}

export const DEFAULT_LIMITS: Readonly<ServiceLimits> = {};

/** Fills in the defaults; throws with the service's name when a setting is out of range. */
export function resolveSettings(_service: string, settings: ServiceSettings = {}): ResolvedSettings {
	return { limits: { ...DEFAULT_LIMITS, ...settings.limits } };
}
