/**
 * One `wrangler dev` (the project's own wrangler.toml) shared by the end-to-end files that need
 * nothing else: started by global-setup.ts on the first file that asks for it, stopped when the
 * run ends. Files run one at a time, so one file's restart never drops another's sockets; rooms
 * are named at random, so files never meet in one. Its log is a file, read from where a handle
 * was made, so a file sees only what its own tests caused.
 */
import { readFileSync } from "node:fs";
import { inject } from "vitest";
import type { DevServer } from "./dev-server.ts";

/** The admin secret the shared server runs with (as a `--var`), for the admin API's tests. */
export const SHARED_ADMIN_SECRET = "e2e-shared-admin-secret-0123456789abcdef";

export interface SharedServerInfo {
	readonly port: number;
	readonly http: string;
	readonly ws: string;
	readonly log: string;
}

declare module "vitest" {
	export interface ProvidedContext {
		/** The URL of global-setup.ts's control server for the shared wrangler dev. */
		stateroomDevControl: string;
	}
}

/** Asks the control server to start (if needed), restart, pause or kill the shared server. */
export async function control(action: "start" | "restart" | "pause" | "kill"): Promise<SharedServerInfo> {
	const response = await fetch(`${inject("stateroomDevControl")}/${action}`, { method: "POST" });
	const text = await response.text();
	if (!response.ok) throw new Error(`the shared wrangler dev could not ${action}:\n${text}`);
	return JSON.parse(text) as SharedServerInfo;
}

/**
 * A handle on the shared server, running. `stop()` only pauses it (a test that takes the server
 * down brings it back with `restart()`); the run's end stops it.
 */
export async function sharedDevServer(): Promise<DevServer> {
	const info = await control("start");
	const from = readFileSync(info.log, "utf8").length;
	return {
		port: info.port,
		http: info.http,
		ws: info.ws,
		output: () => readFileSync(info.log, "utf8").slice(from),
		pid: () => undefined,
		stop: async () => {
			await control("pause");
		},
		pause: async () => {
			await control("pause");
		},
		restart: async () => {
			await control("restart");
		},
		kill: async () => {
			await control("kill");
		},
	};
}
