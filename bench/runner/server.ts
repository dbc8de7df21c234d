/**
 * The benchmark's `wrangler dev`, through the CLI's own supervisor (cli/wrangler-dev.ts): on a
 * free loopback port with a fresh storage folder, restarted on the same folder to evict every
 * room, and stopped (its whole process group, the folder removed). `rssBytes()` sums the
 * resident memory of the group's workerd processes, read from /proc.
 */
import { groupMembers, readProc, startWranglerDev } from "../../cli/wrangler-dev.ts";
import { BENCH_ADMIN_SECRET } from "./publish.ts";

export interface BenchServer {
	readonly http: string;
	readonly ws: string;
	/** Stops and starts workerd on the same storage: every room must load from storage again. */
	restart(): Promise<void>;
	stop(): Promise<void>;
	/** Resident memory of the workerd processes, in bytes (0 where /proc is unavailable). */
	rssBytes(): number;
	/** CPU time the workerd processes have used so far (user and system), in milliseconds. */
	cpuMs(): number;
	/** The port of workerd's inspector (V8's DevTools protocol), as wrangler dev proxies it. */
	inspectorPort(): number;
	output(): string;
}

export async function startServer(root: string, port?: number): Promise<BenchServer> {
	const server = await startWranglerDev({
		root,
		...(port !== undefined ? { port } : {}),
		args: [
			"--config",
			"bench/wrangler.toml",
			"--log-level",
			"warn",
			"--var",
			`STATEROOM_ADMIN_SECRET:${BENCH_ADMIN_SECRET}`,
		],
		state: "temporary",
		startupMs: 90_000,
		env: { FORCE_COLOR: "0", CI: "true" },
		logLimit: 20_000,
	});
	return {
		http: server.http,
		ws: server.ws,
		output: () => server.output(),
		restart: () => server.restart(),
		stop: () => server.stop(),
		cpuMs() {
			const group = server.pid();
			if (group === undefined) return 0;
			let ticks = 0;
			for (const pid of groupMembers(group)) {
				if (!/^Name:\s+workerd$/m.test(readProc(pid, "status"))) continue;
				const stat = readProc(pid, "stat");
				// After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
				const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
				ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
			}
			// Linux counts in clock ticks of 1/100 s (USER_HZ).
			return ticks * 10;
		},
		inspectorPort() {
			const group = server.pid();
			const args = group === undefined ? [] : readProc(group, "cmdline").split("\0");
			const port = Number(args[args.indexOf("--inspector-port") + 1]);
			if (!Number.isInteger(port)) throw new Error("wrangler dev runs without --inspector-port");
			return port;
		},
		rssBytes() {
			const group = server.pid();
			if (group === undefined) return 0;
			let total = 0;
			for (const pid of groupMembers(group)) {
				const status = readProc(pid, "status");
				if (!/^Name:\s+workerd$/m.test(status)) continue;
				const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
				total += Number(kib ?? 0) * 1024;
			}
			return total;
		},
	};
}
