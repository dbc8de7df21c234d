/**
 * The e2e project's global setup, run once in the main process before any file: it bundles the
 * pages' scripts (public/demo.js, public/admin/admin.js) so that no file writes them while
 * another file's browser loads them, and runs a control server (loopback, a free port) for the
 * shared `wrangler dev` of shared-server.ts. That server starts when the first file asks for it
 * (running one file that does not need it costs nothing) and stops when the run ends; nothing
 * restarts it, since files run side by side.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startWranglerDev, type WranglerDev } from "../../cli/wrangler-dev.ts";
import { PROJECT_ROOT } from "./project-copy.ts";
import { SHARED_ADMIN_SECRET, type SharedServerInfo } from "./shared-server.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	// `npm test` bundles them first (pretest); a lone run of e2e files bundles them here.
	execFileSync(process.execPath, ["cli/build-demo.ts"], { cwd: PROJECT_ROOT, stdio: "ignore", timeout: 60_000 });

	const dir = mkdtempSync(join(tmpdir(), "stateroom-e2e-shared-"));
	const log = join(dir, "wrangler.log");
	writeFileSync(log, "");
	let server: Promise<WranglerDev> | undefined;

	const running = async (): Promise<WranglerDev> => {
		// Files asking at once share one start.
		server ??= startWranglerDev({
			root: PROJECT_ROOT,
			args: ["--log-level", "info", "--var", `STATEROOM_ADMIN_SECRET:${SHARED_ADMIN_SECRET}`],
			state: "temporary",
			startupMs: 90_000,
			env: { FORCE_COLOR: "0", CI: "true" },
			onOutput: (chunk) => appendFileSync(log, chunk),
		});
		try {
			return await server;
		} catch (error) {
			server = undefined;
			throw error;
		}
	};

	const controller = createServer((request, response) => {
		if (request.method !== "POST" || request.url !== "/start") {
			response.writeHead(404).end();
			return;
		}
		running().then(
			(dev) => {
				const info: SharedServerInfo = { port: dev.port, http: dev.http, ws: dev.ws, log };
				response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(info));
			},
			(error: unknown) => response.writeHead(500).end(String(error instanceof Error ? error.message : error)),
		);
	});
	await new Promise<void>((resolve) => controller.listen(0, "127.0.0.1", resolve));
	project.provide("stateroomDevControl", `http://127.0.0.1:${(controller.address() as AddressInfo).port}`);

	return async () => {
		await new Promise((resolve) => controller.close(resolve));
		const dev = await server?.catch(() => undefined);
		await dev?.stop();
		rmSync(dir, { recursive: true, force: true });
	};
}
