/**
 * A throwaway copy of this project for tests that change it (`stateroom new`, `stateroom dev`,
 * the README's tour): exactly what a fresh clone holds, the tree committed at HEAD. A user's
 * untracked files (the tour's services/tally.ts), edits to tracked ones (the tour's line in
 * services/index.ts) and their .stateroom/ are never part of it, so what `npm test` does cannot
 * depend on what the user is working on.
 *
 * node_modules is linked, not copied; build/ (generated) is copied with its timestamps so that
 * the WebAssembly builds stay cached. A file whose working-tree content equals HEAD's keeps its
 * timestamp too; one the user changed is written with HEAD's content and the current time, so
 * that anything built from the user's version is older than it and is rebuilt.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");

export interface CommittedFile {
	readonly path: string;
	/** Git's mode: "100644", or "100755" for an executable. */
	readonly mode: string;
}

function git(root: string, args: readonly string[]): Buffer {
	try {
		return execFileSync("git", args, { cwd: root, maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
	} catch (error) {
		throw new Error(
			`\`git ${args.join(" ")}\` failed in ${root} (${String(error)}). ` +
				"These tests copy the project as committed at HEAD: run them in a git clone of the project.",
		);
	}
}

/** The files of HEAD's tree (regular files and executables; no symlinks or submodules). */
export function committedFiles(root = PROJECT_ROOT): CommittedFile[] {
	const files: CommittedFile[] = [];
	for (const entry of git(root, ["ls-tree", "-r", "-z", "HEAD"]).toString("utf8").split("\0")) {
		const match = /^(\d+) blob [0-9a-f]+\t(.+)$/s.exec(entry);
		if (match && (match[1] === "100644" || match[1] === "100755")) {
			files.push({ mode: match[1], path: match[2] as string });
		}
	}
	return files;
}

/** Tracked files whose working-tree content differs from HEAD (edited, staged or deleted). */
export function changedFiles(root = PROJECT_ROOT): Set<string> {
	const listing = git(root, ["diff", "--name-only", "--no-renames", "-z", "HEAD", "--"]).toString("utf8");
	return new Set(listing.split("\0").filter((file) => file !== ""));
}

export interface ProjectCopy {
	readonly root: string;
	remove(): void;
}

export interface CopyOptions {
	/**
	 * Copy build/ and the meter key that signed its modules (default true): without them, the copy
	 * is a clone before its first build.
	 */
	readonly withBuild?: boolean;
	/** The checkout to copy (default: this project). */
	readonly from?: string;
}

/** Copies HEAD's tree (and build/, with its meter key) of the checkout into a fresh temporary folder. */
export function copyProject(prefix: string, options: CopyOptions = {}): ProjectCopy {
	const from = options.from ?? PROJECT_ROOT;
	const root = mkdtempSync(join(tmpdir(), prefix));
	const changed = changedFiles(from);
	for (const { path, mode } of committedFiles(from)) {
		const to = join(root, path);
		mkdirSync(dirname(to), { recursive: true });
		if (changed.has(path) || !existsSync(join(from, path))) {
			writeFileSync(to, git(from, ["cat-file", "blob", `HEAD:${path}`]));
			chmodSync(to, mode === "100755" ? 0o755 : 0o644);
		} else {
			cpSync(join(from, path), to, { preserveTimestamps: true });
		}
	}
	if (options.withBuild !== false && existsSync(join(from, "build"))) {
		// Not the package's staging folders (scripts/package.mjs): no part of a project's build, and
		// rewritten by the package test while other files copy the project.
		const staging = new Set(["build/package", "build/package-tsc"].map((folder) => join(from, folder)));
		cpSync(join(from, "build"), join(root, "build"), {
			recursive: true,
			preserveTimestamps: true,
			filter: (source) => !staging.has(source),
		});
		// The key that signed build/'s modules: without it the copy's meter makes a new one and rebuilds them all.
		// The only file of the user's .stateroom/ a copy takes; nothing else of it (dev.json, serve/) comes along.
		const key = ".stateroom/meter-key.pem";
		if (existsSync(join(from, key))) {
			mkdirSync(join(root, ".stateroom"), { recursive: true });
			cpSync(join(from, key), join(root, key), { preserveTimestamps: true });
		}
	}
	symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"));
	return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
