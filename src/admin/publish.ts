/**
 * The admin API's routes for published services (`/admin/api/published/`): publish a version,
 * list the versions, make one the version rooms run (a rollback), delete one or the whole
 * service. The admin secret may do all of it for any name; a publish key only for the names it
 * covers (see publish/keys.ts), which `gateKey` checks for every route before it runs.
 */
import type { IRequest, RouterType } from "itty-router";
import type { ServiceLanguage } from "../engine.ts";
import { HttpError } from "../errors.ts";
import { jsonParse, sha256, strictUtf8Decode } from "../intrinsics.ts";
import { hostLog } from "../log.ts";
import { isServiceName, SERVICE_NAME_RULE } from "../naming.ts";
import { covers, describeScope } from "../publish/keys.ts";
import { checkOf, fetcherIn, isolateName, loaderIn, workerCode } from "../publish/loader.ts";
import { catalogIn, forgetService } from "../publish/lookup.ts";
import type { PublishedCatalog } from "../publish/published-services.ts";
import {
	MAX_UPLOAD_BYTES,
	type PublishedList,
	type PublishedService,
	type PublishedVersion,
	type PublishResult,
	type ServiceUnpublished,
	type VersionActivated,
	type VersionDeleted,
} from "../publish/versions.ts";
import type { ServiceCatalog } from "../registry.ts";
import { checkDeclaredSize, readBoundedBody } from "../room/request-body.ts";
import { DEFAULT_ACCESS, DEFAULT_LIMITS, resolveSettings, type ServiceSettings } from "../settings.ts";
import { operatorOf, type Principal } from "./auth.ts";

/** The header a publish carries the service's settings in, as URI-encoded JSON. */
export const SETTINGS_HEADER = "x-stateroom-settings";
/** The header that grants a version the network, through the Worker's service binding it names. */
export const OUTBOUND_HEADER = "x-stateroom-outbound";

/** The request as the admin API's `before` handler leaves it: with who is calling. */
export type AdminRequest = IRequest & { principal?: Principal };

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Refuses, with 403 and the reason, a publish key's request for anything but its own services:
 * their published versions, and reading their rooms.
 */
export function gateKey(request: AdminRequest, base: string): void {
	const principal = request.principal;
	if (principal?.kind !== "key") return;
	const path = new URL(request.url).pathname.slice(base.length);
	const [, area, service, rest] = /^\/(published|services)(?:\/([^/]+))?(\/.*)?$/.exec(path) ?? [];
	const what = describeScope(principal.scope);
	if (area === "published" && service === undefined && request.method === "GET") return;
	if (area !== undefined && service !== undefined) {
		let name: string;
		try {
			name = decodeURIComponent(service);
		} catch {
			throw new HttpError(400, "The service name in the path is not valid percent-encoding.");
		}
		const reads = area === "services" && request.method === "GET" && (rest === undefined || rest.startsWith("/rooms"));
		if ((area === "published" || reads) && covers(principal.scope, name)) return;
		if (area === "published" || reads) {
			throw new HttpError(403, `This publish key covers ${what}, not "${name}".`);
		}
	}
	throw new HttpError(
		403,
		`A publish key (for ${what}) may publish, list, roll back and delete its services' versions and read their rooms; ${request.method} ${path} needs the admin secret.`,
	);
}

export function addPublishRoutes(
	router: RouterType<IRequest, [unknown, unknown]>,
	bundled: ServiceCatalog,
	json: (body: unknown, status?: number) => Response,
): void {
	router
		.get("/published", async (request: AdminRequest, env) => {
			const services = await requireCatalog(env).list();
			const principal = request.principal;
			const visible =
				principal?.kind === "key" ? services.filter((entry) => covers(principal.scope, entry.service)) : services;
			return json({ services: visible } satisfies PublishedList);
		})
		.get("/published/:service", async (request, env) => json(await describe(requireCatalog(env), nameOf(request))))
		.put("/published/:service", async (request: AdminRequest, env) => {
			const service = nameOf(request);
			if (bundled.has(service)) {
				throw new HttpError(409, `"${service}" is a service bundled with this deployment; publish under another name.`);
			}
			const catalog = requireCatalog(env);
			const loader = loaderIn(env);
			if (!loader) throw noLoader();
			const settings = readSettings(request, service);
			const grant = readOutbound(request, env);
			const bytes = await readUpload(request as unknown as Request);
			const language = languageOf(bytes);
			const version = hex(await sha256(bytes));
			const code = { service, version, language, bytes: bytes.buffer as ArrayBuffer, outbound: grant?.fetcher ?? null };
			const outbound = grant?.name ?? null;
			const resolved = resolveSettings(service, settings);
			const limits = { ...resolved.limits, onModuleChange: resolved.onModuleChange };
			let build: string | null;
			try {
				// The checks a room makes when it starts, made once in the service's own isolate.
				const worker = loader.get(isolateName(service, version, outbound), () => workerCode(code));
				({ build } = await checkOf(worker).describe(service, limits));
			} catch (error) {
				throw new HttpError(400, refusal(error, language, service));
			}
			const principal = request.principal;
			const record: PublishedVersion = {
				service,
				version,
				language,
				bytes: bytes.byteLength,
				build,
				settings,
				outbound,
				publishedAt: new Date().toISOString(),
				publishedBy:
					principal?.kind === "key" ? `key:${principal.subject}` : `admin:${operatorOf(request as unknown as Request)}`,
			};
			const stored = await catalog.publish(record, code.bytes);
			if (!stored.ok) throw new HttpError(stored.status, stored.error);
			forgetService(service);
			hostLog.info(
				`[stateroom] admin: ${record.publishedBy} published "${service}" version ${version.slice(0, 12)} (${language}, ${record.bytes} bytes)`,
			);
			return json(
				{ published: record, created: stored.value.created } satisfies PublishResult,
				stored.value.created ? 201 : 200,
			);
		})
		.post("/published/:service/versions/:version/activate", async (request: AdminRequest, env) => {
			const service = nameOf(request);
			const changed = await requireCatalog(env).activate(service, request.params.version ?? "");
			if (!changed.ok) throw new HttpError(changed.status, changed.error);
			forgetService(service);
			hostLog.info(`[stateroom] admin: "${service}" now runs version ${changed.value.version.slice(0, 12)}`);
			return json({ active: changed.value } satisfies VersionActivated);
		})
		.delete("/published/:service/versions/:version", async (request: AdminRequest, env) => {
			const service = nameOf(request);
			const deleted = await requireCatalog(env).deleteVersion(service, request.params.version ?? "");
			if (!deleted.ok) throw new HttpError(deleted.status, deleted.error);
			return json({ deleted: deleted.value } satisfies VersionDeleted);
		})
		.delete("/published/:service", async (request: AdminRequest, env) => {
			const service = nameOf(request);
			if (!(await requireCatalog(env).deleteService(service))) throw noService(service);
			forgetService(service);
			hostLog.info(`[stateroom] admin: published service "${service}" deleted`);
			return json({ deleted: true, service } satisfies ServiceUnpublished);
		});
}

export function requireCatalog(env: unknown): PublishedCatalog {
	const catalog = catalogIn(env);
	if (catalog) return catalog;
	throw new HttpError(
		501,
		"This deployment cannot publish services: it binds no PUBLISHED Durable Object (class PublishedServices) and LOADER Worker Loader. See docs/publishing.md.",
	);
}

function noLoader(): HttpError {
	return new HttpError(
		501,
		'This deployment cannot run published services: it binds no Worker Loader. Add `[[worker_loaders]] binding = "LOADER"` to wrangler.toml (see docs/publishing.md).',
	);
}

function noService(service: string): HttpError {
	return new HttpError(404, `No published service named "${service}".`);
}

async function describe(catalog: PublishedCatalog, service: string): Promise<PublishedService> {
	const described = await catalog.service(service);
	if (!described) throw noService(service);
	return described;
}

function nameOf(request: IRequest): string {
	const service = request.params.service ?? "";
	if (!isServiceName(service))
		throw new HttpError(400, `"${service}" is not a service name: use ${SERVICE_NAME_RULE}.`);
	return service;
}

/** The settings the publish carries, checked; a publish key may not raise a limit or pick a secret. */
function readSettings(request: AdminRequest, service: string): ServiceSettings {
	const header = request.headers.get(SETTINGS_HEADER);
	let settings: ServiceSettings = {};
	if (header !== null) {
		try {
			settings = jsonParse(decodeURIComponent(header)) as ServiceSettings;
		} catch {
			throw new HttpError(400, `The ${SETTINGS_HEADER} header is not URI-encoded JSON.`);
		}
		if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
			throw new HttpError(400, `The ${SETTINGS_HEADER} header must hold a JSON object of settings.`);
		}
	}
	try {
		resolveSettings(service, settings);
	} catch (error) {
		throw new HttpError(400, error instanceof Error ? error.message : String(error));
	}
	if (request.principal?.kind === "key") {
		for (const [name, value] of Object.entries(settings.limits ?? {})) {
			const most = DEFAULT_LIMITS[name as keyof typeof DEFAULT_LIMITS];
			if (typeof value === "number" && typeof most === "number" && value > most) {
				throw new HttpError(
					403,
					`A publish key may not raise limits.${name} above the default (${most}); ask the operator to publish with the admin secret.`,
				);
			}
		}
		const secretName = settings.access?.secretName;
		if (secretName !== undefined && secretName !== DEFAULT_ACCESS.secretName) {
			throw new HttpError(
				403,
				`A publish key may not choose access.secretName; tokens are signed with ${DEFAULT_ACCESS.secretName}.`,
			);
		}
	}
	return settings;
}

/**
 * The network the operator grants the version: a service binding of this Worker, which then sees
 * every request the service makes. Only the admin secret may grant it.
 */
function readOutbound(request: AdminRequest, env: unknown): { name: string; fetcher: Fetcher } | undefined {
	const name = request.headers.get(OUTBOUND_HEADER);
	if (name === null) return undefined;
	if (request.principal?.kind !== "admin") {
		throw new HttpError(403, "Only the admin secret may grant a published service the network.");
	}
	const fetcher = fetcherIn(env, name);
	if (!fetcher) {
		throw new HttpError(
			400,
			`This Worker has no service binding named "${name}" to grant as the service's network: add it to wrangler.toml ([[services]]), or publish without ${OUTBOUND_HEADER}.`,
		);
	}
	return { name, fetcher };
}

/** The upload's bytes, refused with 413 past MAX_UPLOAD_BYTES (read no further than that). */
async function readUpload(request: Request): Promise<Uint8Array> {
	const tooLarge = () =>
		new HttpError(
			413,
			`The upload is larger than ${MAX_UPLOAD_BYTES} bytes, the most a published service may be. Make it smaller (a release build, \`wasm-opt -Oz\`, a minified bundle).`,
		);
	// The declared size first: an oversized upload is refused even before its body is looked at.
	checkDeclaredSize(request, MAX_UPLOAD_BYTES, tooLarge);
	const bytes = await readBoundedBody(request, MAX_UPLOAD_BYTES, tooLarge);
	if (!bytes?.byteLength) throw new HttpError(400, "The upload is empty: send the module as the request's body.");
	return bytes;
}

/** A WebAssembly module by its magic number; anything else must be an ES module's UTF-8 text. */
function languageOf(bytes: Uint8Array): ServiceLanguage {
	if (WASM_MAGIC.every((byte, index) => bytes[index] === byte)) return "wasm";
	try {
		strictUtf8Decode(bytes);
	} catch {
		throw new HttpError(
			400,
			"The upload is neither a WebAssembly module (it does not start with \\0asm) nor UTF-8 JavaScript. Publish a .wasm module, or a TypeScript service with `stateroom publish`, which bundles it.",
		);
	}
	return "typescript";
}

function refusal(error: unknown, language: ServiceLanguage, service: string): string {
	const message = error instanceof Error ? error.message : String(error);
	const what = language === "wasm" ? "WebAssembly module" : "JavaScript module";
	const meter =
		language === "wasm" && /not metered|not signed by this project's meter|metered by meter version/.test(message)
			? ` Publish it with \`npx stateroom publish <module.wasm> --service ${service}\` from this deployment's project: it meters the module with the project's meter key before it uploads.`
			: "";
	return `The ${what} was refused: ${message}.${meter}`;
}

function hex(digest: ArrayBuffer): string {
	return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
