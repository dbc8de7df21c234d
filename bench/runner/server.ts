/**
 * The benchmark's `wrangler dev`: started on a free loopback port with its own storage folder,
 * restarted on the same folder to evict every room, and stopped (its whole process group).
 * `rssBytes()` sums the resident memory of the group's workerd processes, read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchServer {
	readonly http: string;
	readonly ws: string;
	/** Stops and starts workerd on the same storage: every room must load from storage again. */
	restart(): Promise<void>;
	stop(): Promise<void>;
	/** Resident memory of the workerd processes, in bytes (0 where /proc is unavailable). */
	rssBytes(): number;
	output(): string;
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

export async function startServer(root: string, port?: number): Promise<BenchServer> {
	const chosen = port ?? (await freePort());
	const persist = mkdtempSync(join(tmpdir(), "stateroom-bench-"));
	// Run by this Node (wrangler needs 22+), whatever `node` on the PATH is.
	const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
	let child: ChildProcess | undefined;
	let log = "";

	const launch = async () => {
		const inspector = await freePort();
		log = "";
		const args = [wrangler, "dev", "--config", "bench/wrangler.toml", "--port", String(chosen), "--ip", "127.0.0.1"];
		args.push("--inspector-port", String(inspector), "--persist-to", persist, "--log-level", "warn");
		child = spawn(process.execPath, args, {
			cwd: root,
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0", CI: "true" },
		});
		const keep = (chunk: Buffer) => {
			log = (log + chunk.toString()).slice(-20_000);
		};
		child.stdout?.on("data", keep);
		child.stderr?.on("data", keep);
		await waitForStatus(`http://127.0.0.1:${chosen}/status`, 90_000, () => {
			if (child?.exitCode !== null) throw new Error(`wrangler dev exited (${child?.exitCode}):\n${log}`);
			// A failed build leaves wrangler running with every request hanging: fail at once instead.
			if (/Build failed/.test(log)) {
				throw new Error(`wrangler dev could not build the bench Worker (did \`npm install\` run?):\n${log}`);
			}
		});
	};

	const stop = async () => {
		const running = child;
		child = undefined;
		if (!running?.pid || running.exitCode !== null) return;
		const exited = new Promise<void>((done) => running.once("exit", () => done()));
		const group = running.pid;
		try {
			process.kill(-group, "SIGTERM");
		} catch {
			return;
		}
		const timer = setTimeout(() => {
			try {
				process.kill(-group, "SIGKILL");
			} catch {}
		}, 5000);
		await exited;
		clearTimeout(timer);
		// workerd may outlive wrangler's node by a moment; wait until the group is gone.
		for (let tries = 0; tries < 50 && groupMembers(group).length > 0; tries++) {
			await new Promise((done) => setTimeout(done, 100));
		}
	};

	try {
		await launch();
	} catch (error) {
		// Leave no wrangler or workerd behind when the server never came up.
		await stop();
		rmSync(persist, { recursive: true, force: true });
		throw error;
	}
	return {
		http: `http://127.0.0.1:${chosen}`,
		ws: `ws://127.0.0.1:${chosen}`,
		output: () => log,
		async restart() {
			await stop();
			await launch();
		},
		async stop() {
			await stop();
			rmSync(persist, { recursive: true, force: true });
		},
		rssBytes() {
			if (!child?.pid) return 0;
			let total = 0;
			for (const pid of groupMembers(child.pid)) {
				const status = readProc(pid, "status");
				if (!/^Name:\s+workerd$/m.test(status)) continue;
				const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
				total += Number(kib ?? 0) * 1024;
			}
			return total;
		},
	};
}

/** Processes whose process group is `group` (the field after the command in /proc/<pid>/stat). */
function groupMembers(group: number): number[] {
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
	} catch {
		return [];
	}
	return pids.map(Number).filter((pid) => {
		const stat = readProc(pid, "stat");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return Number(fields[2]) === group;
	});
}

function readProc(pid: number, file: string): string {
	try {
		return readFileSync(`/proc/${pid}/${file}`, "utf8");
	} catch {
		return "";
	}
}

async function waitForStatus(url: string, ms: number, check: () => void): Promise<void> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		check();
		try {
			if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((done) => setTimeout(done, 200));
	}
	throw new Error(`wrangler dev did not answer ${url} within ${ms} ms`);
}
