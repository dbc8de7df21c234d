/**
 * Starts a real `wrangler dev` for end-to-end tests: on a free port, with its own storage
 * folder, and stops it (the whole process group) when asked. Startup failures reject with the
 * server's own output, so a broken build shows why.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(PROJECT_ROOT, "node_modules/.bin/wrangler");

export interface DevServer {
	readonly port: number;
	readonly http: string;
	readonly ws: string;
	/** Everything the server printed so far. */
	output(): string;
	stop(): Promise<void>;
	/** Starts the server again on the same port and storage (for restart tests). */
	restart(): Promise<void>;
	/**
	 * Kills the server's whole process group with SIGKILL, as a crash would: nothing gets to
	 * finish or flush. `restart()` brings it back on the same storage.
	 */
	kill(): Promise<void>;
}

export interface DevServerOptions {
	/** Extra `wrangler dev` arguments, e.g. `["--config", "other.toml"]`. */
	readonly args?: readonly string[];
	readonly cwd?: string;
	readonly startupMs?: number;
}

export async function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.once("error", fail);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
		});
	});
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
	const port = await freePort();
	const persist = mkdtempSync(join(tmpdir(), "stateroom-e2e-"));
	let child: ChildProcess | undefined;
	let log = "";

	const launch = async () => {
		const inspector = await freePort();
		child = spawn(
			WRANGLER,
			[
				"dev",
				"--port",
				String(port),
				"--ip",
				"127.0.0.1",
				"--inspector-port",
				String(inspector),
				"--persist-to",
				persist,
				"--log-level",
				"info",
				...(options.args ?? []),
			],
			{
				cwd: options.cwd ?? PROJECT_ROOT,
				detached: true,
				stdio: ["ignore", "pipe", "pipe"],
				env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0", CI: "true" },
			},
		);
		child.stdout?.on("data", (chunk: Buffer) => {
			log += chunk.toString();
		});
		child.stderr?.on("data", (chunk: Buffer) => {
			log += chunk.toString();
		});
		await waitForStatus(`http://127.0.0.1:${port}/status`, options.startupMs ?? 60_000, () => {
			if (child?.exitCode !== null) throw new Error(`wrangler dev exited (${child?.exitCode}):\n${log}`);
		});
	};

	const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
		const running = child;
		child = undefined;
		if (!running?.pid || running.exitCode !== null) return;
		const exited = new Promise<void>((done) => running.once("exit", () => done()));
		try {
			process.kill(-running.pid, signal);
		} catch {
			return;
		}
		const timer = setTimeout(() => {
			try {
				if (running.pid) process.kill(-running.pid, "SIGKILL");
			} catch {}
		}, 5000);
		await exited;
		clearTimeout(timer);
	};

	await launch();
	return {
		port,
		http: `http://127.0.0.1:${port}`,
		ws: `ws://127.0.0.1:${port}`,
		output: () => log,
		stop: () => stop(),
		kill: () => stop("SIGKILL"),
		async restart() {
			await stop();
			await launch();
		},
	};
}

async function waitForStatus(url: string, ms: number, check: () => void): Promise<void> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		check();
		try {
			const response = await fetch(url);
			if (response.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((done) => setTimeout(done, 200));
	}
	throw new Error(`wrangler dev did not answer ${url} within ${ms} ms`);
}
