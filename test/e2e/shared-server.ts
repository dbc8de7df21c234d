/**
 * One `wrangler dev` (the project's own wrangler.toml, with an admin secret) shared by the
 * end-to-end files that only talk to it: started by global-setup.ts on the first file that asks
 * for it, stopped when the run ends. Files run side by side, so the handle cannot stop, pause or
 * restart it: a file that takes a server down starts its own (`startDevServer` in
 * dev-server.ts). Rooms are named at random, so files never meet in one. Its log is a file, read
 * from where a handle was made; other files' lines may be in it too, so look for what names your
 * own rooms.
 */
import { readFileSync } from "node:fs";
import { inject } from "vitest";

/** The admin secret the shared server runs with (as a `--var`), for the admin API's tests. */
export const SHARED_ADMIN_SECRET = "e2e-shared-admin-secret-0123456789abcdef";

export interface SharedServerInfo {
	readonly port: number;
	readonly http: string;
	readonly ws: string;
	readonly log: string;
}

/** The shared server, running: where it serves and what it printed since the handle was made. */
export interface SharedServer {
	readonly port: number;
	readonly http: string;
	readonly ws: string;
	output(): string;
}

declare module "vitest" {
	export interface ProvidedContext {
		/** The URL of global-setup.ts's control server for the shared wrangler dev. */
		stateroomDevControl: string;
	}
}

/** The shared server, started first if no file has asked for it yet. */
export async function sharedDevServer(): Promise<SharedServer> {
	const response = await fetch(`${inject("stateroomDevControl")}/start`, { method: "POST" });
	const text = await response.text();
	if (!response.ok) throw new Error(`the shared wrangler dev could not start:\n${text}`);
	const info = JSON.parse(text) as SharedServerInfo;
	const from = readFileSync(info.log, "utf8").length;
	return {
		port: info.port,
		http: info.http,
		ws: info.ws,
		output: () => readFileSync(info.log, "utf8").slice(from),
	};
}
