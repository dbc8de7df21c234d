/**
 * Rebuild-on-change for `stateroom dev`. wrangler already watches the Worker's TypeScript; this
 * watches what wrangler cannot see (WebAssembly guest sources, the demo page's script) and runs
 * the matching build, whose output wrangler then sees and reloads.
 */
import { existsSync, type FSWatcher, lstatSync, readdirSync, type Stats, watch } from "node:fs";
import { join, relative } from "node:path";
import type { Project } from "./project.ts";

export interface WatchedBuild {
	/** Shown in progress lines, e.g. "WebAssembly guests". */
	readonly label: string;
	/** Project-relative folders whose changes trigger the build. */
	readonly folders: readonly string[];
	readonly build: () => Promise<void>;
}

/** Editors write several events per save: wait this long for them to settle. */
const SETTLE_MS = 200;

/** How a watch tells the user what it does. */
export interface WatchReport {
	changed(build: WatchedBuild, file: string): void;
	done(build: WatchedBuild, ms: number): void;
	failed(build: WatchedBuild, error: unknown): void;
}

export interface Watching {
	/** The folders actually watched (those that exist). */
	readonly folders: readonly string[];
	close(): void;
}

export function watchBuilds(project: Project, builds: readonly WatchedBuild[], report: WatchReport): Watching {
	const watchers: FSWatcher[] = [];
	const folders: string[] = [];
	for (const build of builds) {
		const trigger = serialized(build, report);
		for (const folder of build.folders) {
			const path = project.path(folder);
			if (!existsSync(path)) continue;
			folders.push(folder);
			watchers.push(
				watch(path, { recursive: true }, (_event, file) => {
					trigger(relative(project.root, join(path, file ?? "")));
				}),
			);
		}
	}
	return {
		folders,
		close() {
			for (const watcher of watchers) watcher.close();
		},
	};
}

/**
 * One build at a time: changes during a build queue exactly one more run, so the last change
 * is always built and builds never overlap.
 */
function serialized(build: WatchedBuild, report: WatchReport): (file: string) => void {
	let timer: NodeJS.Timeout | undefined;
	let running = false;
	let again = false;
	const go = async () => {
		if (running) {
			again = true;
			return;
		}
		running = true;
		const started = Date.now();
		try {
			await build.build();
			report.done(build, Date.now() - started);
		} catch (error) {
			report.failed(build, error);
		}
		running = false;
		if (again) {
			again = false;
			void go();
		}
	};
	return (file) => {
		if (timer) clearTimeout(timer);
		else report.changed(build, file);
		timer = setTimeout(() => {
			timer = undefined;
			void go();
		}, SETTLE_MS);
	};
}

/** How often `watchChanges` also compares modification times (see there). */
const POLL_MS = 1000;

/**
 * Calls `changed` once, on the first change (settled) to any of the project-relative `paths`
 * (folders are watched recursively; missing ones are skipped). Besides file-system events, it
 * compares the files' modification times every second: on a loaded machine an event can go
 * missing, and `stateroom dev` would then wait for a fix it already has.
 */
export function watchChanges(
	project: Project,
	paths: readonly string[],
	changed: () => void,
	since: ModificationTimes = modificationTimes(project, paths),
): Watching {
	const watchers: FSWatcher[] = [];
	const watched: string[] = [];
	let timer: NodeJS.Timeout | undefined;
	let done = false;
	const close = () => {
		if (timer) clearTimeout(timer);
		clearInterval(poll);
		for (const watcher of watchers) watcher.close();
	};
	const onChange = () => {
		if (done) return;
		if (timer) clearTimeout(timer);
		timer = setTimeout(() => {
			done = true;
			close();
			changed();
		}, SETTLE_MS);
	};
	for (const path of paths) {
		if (!existsSync(project.path(path))) continue;
		watched.push(path);
		watchers.push(watch(project.path(path), { recursive: true }, onChange));
	}
	const poll = setInterval(() => {
		if (!sameTimes(since, modificationTimes(project, paths))) onChange();
	}, POLL_MS);
	return { folders: watched, close };
}

/** Files by path, with their modification times. */
export type ModificationTimes = ReadonlyMap<string, number>;

/**
 * Every file under the project-relative `paths` (folders walked; symbolic links not followed)
 * with its modification time.
 */
export function modificationTimes(project: Project, paths: readonly string[]): ModificationTimes {
	const times = new Map<string, number>();
	const visit = (path: string) => {
		let stat: Stats;
		try {
			stat = lstatSync(path);
		} catch {
			return; // Removed meanwhile: its absence is the change.
		}
		if (!stat.isDirectory()) {
			times.set(path, stat.mtimeMs);
			return;
		}
		let names: string[] = [];
		try {
			names = readdirSync(path);
		} catch {
			return;
		}
		for (const name of names) visit(join(path, name));
	};
	for (const path of paths) visit(project.path(path));
	return times;
}

function sameTimes(before: ModificationTimes, now: ModificationTimes): boolean {
	if (before.size !== now.size) return false;
	for (const [path, time] of now) if (before.get(path) !== time) return false;
	return true;
}
