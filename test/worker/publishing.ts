/**
 * Helpers of the publishing tests: publish an upload (from test/setup/publish-uploads.ts) through
 * the admin API, and call the API as the operator or a publish key's holder.
 */
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import { BASE } from "./socket.ts";

export const ADMIN_SECRET = "test-admin-secret";

/** An upload's bytes by its name in test/setup/publish-uploads.ts (`rust-counter`, `ts-counter`, ...). */
export function upload(name: string): Uint8Array {
	const encoded = inject("publishUploads")[name];
	if (encoded === undefined) throw new Error(`no upload named ${name} (see test/setup/publish-uploads.ts)`);
	return Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
}

/** A service name no other test uses. */
export function uniqueService(prefix = "pub"): string {
	return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface PublishOptions {
	readonly settings?: unknown;
	/** A service binding of the Worker to grant as the service's network. */
	readonly outbound?: string;
	/** The bearer token: the admin secret unless given. */
	readonly token?: string;
}

export function publishRequest(service: string, body: Uint8Array, options: PublishOptions = {}): Promise<Response> {
	const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ADMIN_SECRET}` };
	if (options.settings !== undefined)
		headers["x-stateroom-settings"] = encodeURIComponent(JSON.stringify(options.settings));
	if (options.outbound !== undefined) headers["x-stateroom-outbound"] = options.outbound;
	return exports.default.fetch(`${BASE}/admin/api/published/${service}`, { method: "PUT", headers, body });
}

/** Publishes `uploadName` as `service`; fails the test unless the deployment took it. */
export async function publish(service: string, uploadName: string, options: PublishOptions = {}) {
	const response = await publishRequest(service, upload(uploadName), options);
	const body = (await response.json()) as { published: { version: string; language: string }; error?: string };
	if (response.status !== 201 && response.status !== 200) {
		throw new Error(`publishing ${uploadName} as ${service}: ${response.status} ${body.error}`);
	}
	return body.published;
}

export function adminCall(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
	const { token, ...rest } = init;
	return exports.default.fetch(`${BASE}/admin/api${path}`, {
		...rest,
		headers: { authorization: `Bearer ${token ?? ADMIN_SECRET}`, ...(rest.headers as Record<string, string>) },
	});
}

export const testEnv = env as unknown as { STATEROOM_ADMIN_SECRET: string; STATEROOM_TOKEN_SECRET: string };
