/**
 * How the host loads a published service's code into an isolate of its own with the Worker
 * Loader: the guest runtime (built with the host, as text), the tenant's module, and a main
 * module that joins them. The tenant's isolate has no network (`globalOutbound: null`), no
 * binding of the host's (`env` is empty), and the platform's CPU limit per invocation where
 * the platform enforces it (local workerd does not). The operator may grant a version the network
 * through one of the Worker's service bindings (`outbound`), which then sees all its requests.
 */

import runtime from "../../build/publish/guest-runtime.txt";
import meterKey from "../../build/wasm/meter-key.wasm";
import probe from "../../build/wasm/signature-probe.wasm";
import type { ServiceLanguage } from "../engine.ts";
import { utf8Decode } from "../intrinsics.ts";
import { CHECK_ENTRYPOINT, type CheckApi, FACET_CLASS, GUEST_MODULES } from "./protocol.ts";

/** The compatibility date of every published service's isolate: the host's own. */
export const GUEST_COMPATIBILITY_DATE = "2026-11-01";
/**
 * The most CPU time one invocation of a published service's isolate may use (an event, a
 * start, the publish-time check), where the platform enforces it: the host's own limit
 * (wrangler.toml `[limits] cpu_ms`).
 */
export const GUEST_CPU_MS = 5000;

/** The Worker Loader binding, as the runtime types it. */
export interface LoaderEnv {
	readonly LOADER?: WorkerLoader;
}

/** One version of a published service's code, and the network the operator granted it. */
export interface GuestCode {
	readonly service: string;
	/** The SHA-256 of the uploaded bytes, in hex: which version this is. */
	readonly version: string;
	readonly language: ServiceLanguage;
	readonly bytes: ArrayBuffer;
	/** What its `fetch` and outgoing connections go through; `null`: they are refused. */
	readonly outbound: Fetcher | null;
}

/** The loader, or `undefined` when the Worker binds none (publishing is then off). */
export function loaderIn(env: unknown): WorkerLoader | undefined {
	const loader = typeof env === "object" && env !== null ? (env as LoaderEnv).LOADER : undefined;
	return loader && typeof loader.get === "function" ? loader : undefined;
}

/**
 * The isolate's name: one per service, version and network grant, so no two services ever share
 * one, and a version republished with another grant gets a fresh isolate.
 */
export function isolateName(service: string, version: string, outbound: string | null): string {
	return outbound === null ? `${service}@${version}` : `${service}@${version}+${outbound}`;
}

/** The binding named `name` in `env`, if it is one a Worker can fetch through (a service binding). */
export function fetcherIn(env: unknown, name: string): Fetcher | undefined {
	const value = typeof env === "object" && env !== null ? (env as Record<string, unknown>)[name] : undefined;
	return typeof value === "object" && value !== null && typeof (value as Fetcher).fetch === "function"
		? (value as Fetcher)
		: undefined;
}

/** Loads (or finds loaded) a version's isolate; `code` is only read when it is not loaded yet. */
export function loadGuest(
	loader: WorkerLoader,
	service: string,
	version: string,
	outbound: string | null,
	code: () => Promise<GuestCode>,
): WorkerStub {
	return loader.get(isolateName(service, version, outbound), async () => workerCode(await code()));
}

/** The loaded Worker's publish-time check entrypoint. */
export function checkOf(worker: WorkerStub): CheckApi {
	return worker.getEntrypoint(CHECK_ENTRYPOINT) as unknown as CheckApi;
}

/** The class each room's facet runs. */
export function facetClassOf(worker: WorkerStub): DurableObjectClass {
	return worker.getDurableObjectClass(FACET_CLASS);
}

export function workerCode(code: GuestCode): WorkerLoaderWorkerCode {
	const service: Record<string, WorkerLoaderModule> =
		code.language === "wasm"
			? { [GUEST_MODULES.service.wasm]: { wasm: code.bytes } }
			: { [GUEST_MODULES.service.typescript]: { js: utf8Decode(code.bytes) } };
	return {
		compatibilityDate: GUEST_COMPATIBILITY_DATE,
		mainModule: GUEST_MODULES.main,
		modules: {
			[GUEST_MODULES.main]: { js: mainModule(code.language) },
			[GUEST_MODULES.runtime]: { js: runtime },
			[GUEST_MODULES.meterKey]: meterKey,
			[GUEST_MODULES.probe]: probe,
			...service,
		},
		env: {},
		globalOutbound: code.outbound,
		limits: { cpuMs: GUEST_CPU_MS },
	};
}

/** The main module: the runtime's classes, made for the tenant's module. */
function mainModule(language: ServiceLanguage): string {
	const tenant =
		language === "wasm"
			? `import module from "./${GUEST_MODULES.service.wasm}";\nconst tenant = { default: module };`
			: `import * as tenant from "./${GUEST_MODULES.service.typescript}";`;
	return `import { publishedService } from "./${GUEST_MODULES.runtime}";
${tenant}
const classes = publishedService(tenant);
export const ${FACET_CLASS} = classes.ServiceFacet;
export const ${CHECK_ENTRYPOINT} = classes.ServiceCheck;
export default { fetch() { return new Response("A published service's isolate answers no requests.", { status: 404 }); } };
`;
}
