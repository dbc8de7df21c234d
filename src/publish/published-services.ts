/**
 * The versions of every published service, kept in one Durable Object's storage (bound as
 * `PUBLISHED`): each version's record and its code, content-addressed by the SHA-256 of the
 * upload, in chunks under the storage's value limit, and which version each service runs. A
 * publish, a rollback and a delete are each one atomic write, so a room never sees a version
 * without its code. Durable Object storage rather than R2: no bucket to create, and the code is
 * readable, consistently, the moment the publish returns (see docs/publishing.md).
 */
import { DurableObject } from "cloudflare:workers";
import {
	MAX_PUBLISHED_SERVICES,
	MAX_VERSIONS,
	MIN_VERSION_PREFIX,
	type PublishedService,
	type PublishedVersion,
} from "./versions.ts";

/** Values stay under the storage's 2 MB limit per value. */
const CHUNK_BYTES = 1024 * 1024;

/** Why the catalog refused a change: the admin API answers it with `status`. */
export class CatalogRefusal extends Error {
	override readonly name = "CatalogRefusal";
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

/** A change's outcome: errors do not keep their class over RPC, so a refusal is a value. */
export type CatalogResult<T> =
	| { readonly ok: true; readonly value: T }
	| { readonly ok: false; readonly status: number; readonly error: string };

/** The catalog's RPC methods, as the router, the rooms and the admin API call them. */
export interface PublishedCatalog {
	publish(record: PublishedVersion, code: ArrayBuffer): Promise<CatalogResult<{ readonly created: boolean }>>;
	active(service: string): Promise<PublishedVersion | null>;
	version(service: string, version: string): Promise<PublishedVersion | null>;
	code(service: string, version: string): Promise<ArrayBuffer | null>;
	service(service: string): Promise<PublishedService | null>;
	list(): Promise<PublishedService[]>;
	/** Makes `version` (a full hash or a unique prefix) the one rooms run. */
	activate(service: string, version: string): Promise<CatalogResult<PublishedVersion>>;
	deleteVersion(service: string, version: string): Promise<CatalogResult<PublishedVersion>>;
	deleteService(service: string): Promise<boolean>;
}

interface ServiceRecord {
	active: string;
	/** Newest first. */
	versions: string[];
}

const serviceKey = (service: string) => `service/${service}`;
const versionKey = (service: string, version: string) => `version/${service}/${version}`;
const chunkKey = (service: string, version: string, index: number) => `code/${service}/${version}/${index}`;

/** RPC surface: the methods of PublishedCatalog; everything else is `#private`. */
export class PublishedServices extends DurableObject<unknown> implements PublishedCatalog {
	get #storage(): DurableObjectStorage {
		return this.ctx.storage;
	}

	publish(record: PublishedVersion, code: ArrayBuffer): Promise<CatalogResult<{ readonly created: boolean }>> {
		return result(() => this.#publish(record, code));
	}

	activate(service: string, version: string): Promise<CatalogResult<PublishedVersion>> {
		return result(() => this.#activate(service, version));
	}

	deleteVersion(service: string, version: string): Promise<CatalogResult<PublishedVersion>> {
		return result(() => this.#deleteVersion(service, version));
	}

	async #publish(record: PublishedVersion, code: ArrayBuffer): Promise<{ readonly created: boolean }> {
		const current = await this.#record(record.service);
		const entries: Record<string, unknown> = {};
		const known = current?.versions.includes(record.version) ?? false;
		if (!known) {
			if (current === undefined && (await this.#count()) >= MAX_PUBLISHED_SERVICES) {
				throw new CatalogRefusal(507, `This deployment already has ${MAX_PUBLISHED_SERVICES} published services.`);
			}
			if ((current?.versions.length ?? 0) >= MAX_VERSIONS) {
				throw new CatalogRefusal(
					409,
					`Service "${record.service}" already keeps ${MAX_VERSIONS} versions: delete an old one first (\`stateroom unpublish ${record.service} --version <version>\`).`,
				);
			}
			const bytes = new Uint8Array(code);
			const chunks = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
			for (let index = 0; index < chunks; index++) {
				entries[chunkKey(record.service, record.version, index)] = bytes.slice(
					index * CHUNK_BYTES,
					(index + 1) * CHUNK_BYTES,
				);
			}
			entries[versionKey(record.service, record.version)] = { ...record, chunks };
		} else {
			// The same code again: a version is its code, so this one takes the new settings.
			const stored = await this.#storage.get<{ chunks: number }>(versionKey(record.service, record.version));
			entries[versionKey(record.service, record.version)] = { ...record, chunks: stored?.chunks ?? 1 };
		}
		const versions = [record.version, ...(current?.versions ?? []).filter((version) => version !== record.version)];
		entries[serviceKey(record.service)] = { active: record.version, versions } satisfies ServiceRecord;
		// One put: the record, the code and the switch land together, or not at all.
		await this.#storage.put(entries);
		return { created: !known };
	}

	async active(service: string): Promise<PublishedVersion | null> {
		const current = await this.#record(service);
		return current ? this.version(service, current.active) : null;
	}

	async version(service: string, version: string): Promise<PublishedVersion | null> {
		const stored = await this.#storage.get<PublishedVersion & { chunks?: number }>(versionKey(service, version));
		if (!stored) return null;
		const { chunks: _chunks, ...record } = stored;
		return record;
	}

	async code(service: string, version: string): Promise<ArrayBuffer | null> {
		const stored = await this.#storage.get<{ chunks: number }>(versionKey(service, version));
		if (!stored) return null;
		const keys = Array.from({ length: stored.chunks }, (_, index) => chunkKey(service, version, index));
		const parts = await this.#storage.get<Uint8Array>(keys);
		const total = [...parts.values()].reduce((sum, part) => sum + part.byteLength, 0);
		const bytes = new Uint8Array(total);
		let offset = 0;
		for (const key of keys) {
			const part = parts.get(key);
			if (!part) throw new Error(`version ${version} of "${service}" has lost a part of its code (${key})`);
			bytes.set(part, offset);
			offset += part.byteLength;
		}
		return bytes.buffer;
	}

	async service(service: string): Promise<PublishedService | null> {
		const current = await this.#record(service);
		if (!current) return null;
		const records = await this.#storage.get<PublishedVersion & { chunks?: number }>(
			current.versions.map((version) => versionKey(service, version)),
		);
		const versions = current.versions.flatMap((version) => {
			const stored = records.get(versionKey(service, version));
			if (!stored) return [];
			const { chunks: _chunks, ...record } = stored;
			return [record];
		});
		return { service, active: current.active, versions };
	}

	async list(): Promise<PublishedService[]> {
		const records = await this.#storage.list<ServiceRecord>({ prefix: "service/" });
		const services: PublishedService[] = [];
		for (const key of records.keys()) {
			const described = await this.service(key.slice("service/".length));
			if (described) services.push(described);
		}
		return services;
	}

	async #activate(service: string, version: string): Promise<PublishedVersion> {
		const current = await this.#require(service);
		const full = this.#resolve(service, current, version);
		const record = await this.version(service, full);
		if (!record) throw new CatalogRefusal(404, `Service "${service}" has no version ${version}.`);
		await this.#storage.put(serviceKey(service), { ...current, active: full } satisfies ServiceRecord);
		return record;
	}

	async #deleteVersion(service: string, version: string): Promise<PublishedVersion> {
		const current = await this.#require(service);
		const full = this.#resolve(service, current, version);
		if (full === current.active) {
			throw new CatalogRefusal(
				409,
				`Version ${full.slice(0, 12)} is the one "${service}" runs: roll back to another first (\`stateroom rollback ${service}\`), or delete the whole service (\`stateroom unpublish ${service}\`).`,
			);
		}
		const stored = await this.#storage.get<PublishedVersion & { chunks: number }>(versionKey(service, full));
		if (!stored) throw new CatalogRefusal(404, `Service "${service}" has no version ${version}.`);
		const { chunks, ...record } = stored;
		await this.#storage.put(serviceKey(service), {
			...current,
			versions: current.versions.filter((candidate) => candidate !== full),
		} satisfies ServiceRecord);
		await this.#storage.delete([
			versionKey(service, full),
			...Array.from({ length: chunks }, (_, index) => chunkKey(service, full, index)),
		]);
		return record;
	}

	async deleteService(service: string): Promise<boolean> {
		const current = await this.#record(service);
		if (!current) return false;
		// The service goes first: from then on no room can find a version to start.
		await this.#storage.delete(serviceKey(service));
		for (const prefix of [`version/${service}/`, `code/${service}/`]) {
			const keys = [...(await this.#storage.list({ prefix })).keys()];
			for (let start = 0; start < keys.length; start += 128) await this.#storage.delete(keys.slice(start, start + 128));
		}
		return true;
	}

	#record(service: string): Promise<ServiceRecord | undefined> {
		return this.#storage.get<ServiceRecord>(serviceKey(service));
	}

	async #require(service: string): Promise<ServiceRecord> {
		const current = await this.#record(service);
		if (!current) throw new CatalogRefusal(404, `No published service named "${service}".`);
		return current;
	}

	async #count(): Promise<number> {
		return (await this.#storage.list({ prefix: "service/", limit: MAX_PUBLISHED_SERVICES })).size;
	}

	/** A full hash from a full hash or a unique prefix of at least MIN_VERSION_PREFIX characters. */
	#resolve(service: string, current: ServiceRecord, version: string): string {
		if (version.length < MIN_VERSION_PREFIX || !/^[0-9a-f]+$/.test(version)) {
			throw new CatalogRefusal(
				400,
				`"${version}" is not a version: give its hash, or its first ${MIN_VERSION_PREFIX} characters or more (\`stateroom versions ${service}\` lists them).`,
			);
		}
		const matches = current.versions.filter((candidate) => candidate.startsWith(version));
		if (matches.length === 1 && matches[0] !== undefined) return matches[0];
		throw new CatalogRefusal(
			matches.length === 0 ? 404 : 400,
			matches.length === 0
				? `Service "${service}" has no version ${version}.`
				: `"${version}" matches ${matches.length} versions of "${service}": give more of the hash.`,
		);
	}
}

async function result<T>(change: () => Promise<T>): Promise<CatalogResult<T>> {
	try {
		return { ok: true, value: await change() };
	} catch (error) {
		if (error instanceof CatalogRefusal) return { ok: false, status: error.status, error: error.message };
		throw error;
	}
}
