/**
 * The e2e project's global setup: a control server (loopback, a free port) for the shared
 * `wrangler dev` of shared-server.ts. Nothing starts until a file asks: running one file that
 * does not need it costs nothing. Every action answers with the server's address once done.
 */
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
	const dir = mkdtempSync(join(tmpdir(), "stateroom-e2e-shared-"));
	const log = join(dir, "wrangler.log");
	writeFileSync(log, "");
	let server: Promise<WranglerDev> | undefined;
	let paused = false;
	// One action at a time, in the order asked.
	let queue: Promise<unknown> = Promise.resolve();

	const start = () =>
		startWranglerDev({
			root: PROJECT_ROOT,
			args: ["--log-level", "info", "--var", `STATEROOM_ADMIN_SECRET:${SHARED_ADMIN_SECRET}`],
			state: "temporary",
			startupMs: 90_000,
			env: { FORCE_COLOR: "0", CI: "true" },
			onOutput: (chunk) => appendFileSync(log, chunk),
		});
	const running = async (): Promise<WranglerDev> => {
		server ??= start();
		try {
			return await server;
		} catch (error) {
			server = undefined;
			throw error;
		}
	};
	const actions: Record<string, () => Promise<WranglerDev>> = {
		async start() {
			const dev = await running();
			if (paused) await dev.restart();
			paused = false;
			return dev;
		},
		async restart() {
			const dev = await running();
			await dev.restart();
			paused = false;
			return dev;
		},
		async pause() {
			const dev = await running();
			await dev.pause();
			paused = true;
			return dev;
		},
		async kill() {
			const dev = await running();
			await dev.kill();
			paused = true;
			return dev;
		},
	};

	const controller = createServer((request, response) => {
		const action = actions[(request.url ?? "").slice(1)];
		if (request.method !== "POST" || !action) {
			response.writeHead(404).end();
			return;
		}
		const done = queue.then(action);
		queue = done.catch(() => {});
		done.then(
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
