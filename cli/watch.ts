/**
 * Rebuild-on-change for `stateroom dev`. wrangler already watches the Worker's TypeScript; this
 * watches what wrangler cannot see (WebAssembly guest sources, the demo page's script) and runs
 * the matching build, whose output wrangler then sees and reloads.
 */
import { existsSync, type FSWatcher, watch } from "node:fs";
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

/**
 * Calls `changed` once, on the first change (settled) to any of the project-relative `paths`
 * (folders are watched recursively; missing ones are skipped).
 */
export function watchChanges(project: Project, paths: readonly string[], changed: () => void): Watching {
	const watchers: FSWatcher[] = [];
	const watched: string[] = [];
	let timer: NodeJS.Timeout | undefined;
	let done = false;
	const close = () => {
		if (timer) clearTimeout(timer);
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
	return { folders: watched, close };
}
