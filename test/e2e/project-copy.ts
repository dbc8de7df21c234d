/**
 * A throwaway copy of this project for tests that change it (`stateroom new`, the README's
 * tour): the files git tracks, as they are in the working tree, and nothing else, so that a
 * user's own untracked services and tests (the tour's services/tally.ts, say) can never make
 * such a test fail. node_modules is linked, not copied; build/ (generated from tracked
 * sources) is copied with its timestamps so that the WebAssembly builds stay cached.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "./dev-server.ts";

/** The project's tracked files, relative to its root. */
export function trackedFiles(root = PROJECT_ROOT): string[] {
	let listing: string;
	try {
		listing = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
	} catch (error) {
		throw new Error(
			`Cannot list the project's tracked files with \`git ls-files\` in ${root} (${String(error)}). ` +
				"These tests copy only tracked files: run them in a git clone of the project.",
		);
	}
	// A tracked file deleted in the working tree is not part of the project any more.
	return listing.split("\0").filter((file) => file !== "" && existsSync(join(root, file)));
}

export interface ProjectCopy {
	readonly root: string;
	remove(): void;
}

/** Copies the tracked files (and build/, with the meter key that signed it) into a fresh temporary folder. */
export function copyProject(prefix: string, options: { withBuild?: boolean } = {}): ProjectCopy {
	const root = mkdtempSync(join(tmpdir(), prefix));
	for (const file of trackedFiles()) {
		mkdirSync(dirname(join(root, file)), { recursive: true });
		cpSync(join(PROJECT_ROOT, file), join(root, file), { preserveTimestamps: true });
	}
	if (options.withBuild !== false && existsSync(join(PROJECT_ROOT, "build"))) {
		cpSync(join(PROJECT_ROOT, "build"), join(root, "build"), { recursive: true, preserveTimestamps: true });
		// The key that signed build/'s modules: without it the copy's meter makes a new one and rebuilds them all.
		const key = ".stateroom/meter-key.pem";
		if (existsSync(join(PROJECT_ROOT, key))) {
			mkdirSync(join(root, ".stateroom"), { recursive: true });
			cpSync(join(PROJECT_ROOT, key), join(root, key), { preserveTimestamps: true });
		}
	}
	symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"));
	return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
