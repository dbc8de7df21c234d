/**
 * Which `stateroom dev` is running for a project, so that the commands that talk to it
 * (`rooms`, `room`, `new`) use the port it really serves on: `dev` writes .stateroom/dev.json (gitignored) once it
 * serves and removes it when it stops; a file left by a killed `dev` names a process that is
 * gone, and is ignored.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { findProject, type Project } from "./project.ts";
import { DEFAULT_PORT, HOST } from "./serving.ts";

const FILE = ".stateroom/dev.json";

export interface RunningDev {
	readonly pid: number;
	readonly port: number;
}

/** Records this process as the project's running `dev`; returns the function that clears it. */
export function recordDev(project: Project, port: number): () => void {
	const path = project.path(FILE);
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, `${JSON.stringify({ pid: process.pid, port })}\n`);
	return () => {
		if (runningDev(project)?.pid === process.pid) rmSync(path, { force: true });
	};
}

/** The project's running `dev`, if there is one. */
export function runningDev(project: Project): RunningDev | undefined {
	let recorded: Partial<RunningDev>;
	try {
		recorded = JSON.parse(readFileSync(project.path(FILE), "utf8")) as Partial<RunningDev>;
	} catch {
		return undefined;
	}
	const { pid, port } = recorded;
	if (typeof pid !== "number" || typeof port !== "number") return undefined;
	try {
		process.kill(pid, 0); // Signal 0 only asks whether the process exists.
	} catch {
		return undefined;
	}
	return { pid, port };
}

export interface DevUrl {
	readonly url: string;
	readonly port: number;
	/** Which dev it is, for the user: found running, or not (then the default port). */
	readonly said: string;
}

/** The running dev's URL in the project around `from`, or the default port's when none runs. */
export function devUrl(from = process.cwd()): DevUrl {
	let dev: RunningDev | undefined;
	let prefix = "";
	try {
		const project = findProject(from);
		prefix = project.prefix;
		dev = runningDev(project);
	} catch {
		// Outside a project: no dev of its own to find.
	}
	const port = dev?.port ?? DEFAULT_PORT;
	const url = `http://${HOST}:${port}${prefix}`;
	return {
		url,
		port,
		said: dev
			? `using the running stateroom dev at ${url} (process ${dev.pid}, from ${FILE})`
			: `no stateroom dev is running for this project (no ${FILE}): trying ${url}, the default port`,
	};
}
