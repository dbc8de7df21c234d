/**
 * What the deployment keeps of a published service, as plain data: what the admin API sends,
 * the CLI and the operator page read. Types and limits only, no platform code.
 */
import type { ServiceLanguage } from "../engine.ts";
import type { ServiceName } from "../naming.ts";
import type { ServiceSettings } from "../settings.ts";

/** The largest upload a deployment takes: one module, a TypeScript bundle or a WebAssembly module. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;
/** Versions kept per service; publishing one more is refused until an old one is deleted. */
export const MAX_VERSIONS = 20;
/** Published services per deployment. */
export const MAX_PUBLISHED_SERVICES = 1000;
/** The shortest prefix of a version's hash that routes and the CLI accept. */
export const MIN_VERSION_PREFIX = 8;

/** One version of a published service. */
export interface PublishedVersion {
	readonly service: ServiceName;
	/** The SHA-256 of the uploaded bytes, in hex. */
	readonly version: string;
	readonly language: ServiceLanguage;
	/** The upload's size in bytes. */
	readonly bytes: number;
	/** A WebAssembly module's build (the SHA-256 its meter recorded), or `null`. */
	readonly build: string | null;
	/** The settings it was published with (the defaults fill in the rest). */
	readonly settings: ServiceSettings;
	/**
	 * The binding of the deployment's Worker (a service binding) that the version's isolate reaches
	 * the network through, granted by the operator; `null`: no network at all.
	 */
	readonly outbound: string | null;
	/** ISO time. */
	readonly publishedAt: string;
	/** Who published it: "admin" (the admin secret, with the operator's name) or the publish key's subject. */
	readonly publishedBy: string;
}

/** A published service: the version its rooms run, and every version kept, newest first. */
export interface PublishedService {
	readonly service: ServiceName;
	readonly active: string;
	readonly versions: readonly PublishedVersion[];
}

// The admin API's answers about published services (src/admin/publish.ts).

/** `GET published`. */
export interface PublishedList {
	readonly services: readonly PublishedService[];
}
/** `PUT published/:service`: 201 for a new version, 200 for one already kept (now active again). */
export interface PublishResult {
	readonly published: PublishedVersion;
	readonly created: boolean;
}
/** `POST published/:service/versions/:version/activate`. */
export interface VersionActivated {
	readonly active: PublishedVersion;
}
/** `DELETE published/:service/versions/:version`. */
export interface VersionDeleted {
	readonly deleted: PublishedVersion;
}
/** `DELETE published/:service`. */
export interface ServiceUnpublished {
	readonly deleted: true;
	readonly service: string;
}
