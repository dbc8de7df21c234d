/**
 * A real `wrangler dev` for end-to-end tests, through the CLI's own supervisor
 * (cli/wrangler-dev.ts): on a free port, with a fresh storage folder that `stop()` removes, in
 * its own process group. A start that fails rejects with wrangler's output and leaves nothing
 * running.
 */
import { freePort, startWranglerDev, type WranglerDev } from "../../cli/wrangler-dev.ts";
import { PROJECT_ROOT } from "./project-copy.ts";

export { freePort, PROJECT_ROOT };

export type DevServer = WranglerDev;

export interface DevServerOptions {
	/** Extra `wrangler dev` arguments, e.g. `["--config", "other.toml"]`. */
	readonly args?: readonly string[];
	readonly cwd?: string;
	readonly startupMs?: number;
}

export function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
	return startWranglerDev({
		root: options.cwd ?? PROJECT_ROOT,
		args: ["--log-level", "info", ...(options.args ?? [])],
		state: "temporary",
		startupMs: options.startupMs ?? 60_000,
		env: { FORCE_COLOR: "0", CI: "true" },
	});
}
