/**
 * Publishes the benchmark's published counters to its `wrangler dev` through the admin API, as
 * `stateroom publish` would: services/counter.ts bundled with the CLI's bundler, and the metered
 * Rust counter. Same code as the bundled `counter` and `rust-counter`, so the difference in their
 * figures is the cost of running a service in an isolate of its own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleService } from "../../cli/service-bundle.ts";

/** The admin secret the benchmark's wrangler dev runs with (a `--var`, see server.ts). */
export const BENCH_ADMIN_SECRET = "bench-admin-secret-0123456789abcdef";

/**
 * The bundled counters' settings, as JSON can say them: per-client rate limits off in effect
 * (JSON has no Infinity), everything else the default.
 */
const SETTINGS = { limits: { messagesPerSecond: 1e9, messageBurst: 1_000_000 } };

export async function publishCounters(root: string, http: string): Promise<void> {
	const uploads: [string, Uint8Array<ArrayBuffer>][] = [
		["published-counter", await bundleService(join(root, "services/counter.ts"))],
		["published-rust-counter", new Uint8Array(readFileSync(join(root, "build/wasm/rust-counter.wasm")))],
	];
	for (const [service, body] of uploads) {
		const response = await fetch(`${http}/admin/api/published/${service}`, {
			method: "PUT",
			headers: {
				authorization: `Bearer ${BENCH_ADMIN_SECRET}`,
				"x-stateroom-settings": encodeURIComponent(JSON.stringify(SETTINGS)),
			},
			body,
		});
		if (!response.ok) throw new Error(`publishing ${service}: ${response.status} ${await response.text()}`);
	}
}
