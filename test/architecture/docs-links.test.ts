/**
 * Every relative link and `#anchor` in the project's Markdown (README.md, docs/, bench/README.md,
 * the guests' and the SDK's READMEs, ...) points to a file that exists and a heading it has, by
 * GitHub's anchor rules. No network: links to other sites are not followed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { anchorsOf, brokenLinks, githubSlug, type Tree } from "./markdown-links.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** Folders that are generated, installed or not the project's own text. */
const SKIPPED = new Set(["node_modules", ".git", ".wrangler", ".stateroom", "build", "dist", "test-results"]);

function markdownFiles(folder = ROOT): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		if (SKIPPED.has(entry.name)) return [];
		const path = join(folder, entry.name);
		if (entry.isDirectory()) return markdownFiles(path);
		return entry.name.endsWith(".md") ? [relative(ROOT, path)] : [];
	});
}

const repository: Tree = {
	read: (path) => {
		const file = join(ROOT, path);
		return existsSync(file) && statSync(file).isFile() ? readFileSync(file, "utf8") : undefined;
	},
	exists: (path) => existsSync(join(ROOT, path)),
};

/** A tree made of the given texts, for the checker's own cases. */
function sampleTree(files: Record<string, string>): Tree {
	const folders = new Set(
		Object.keys(files).flatMap((path) =>
			path
				.split("/")
				.slice(0, -1)
				.map((_, i, parts) => parts.slice(0, i + 1).join("/")),
		),
	);
	return { read: (path) => files[path], exists: (path) => path in files || folders.has(path) };
}

describe("links in the project's Markdown", () => {
	const files = markdownFiles();

	it("finds the pages it is meant to check", () => {
		for (const page of [
			"README.md",
			"docs/abi.md",
			"docs/services.md",
			"bench/README.md",
			"sdk/assemblyscript/README.md",
		]) {
			expect(files).toContain(page);
		}
	});

	it.each(files)("%s: every relative link and anchor resolves", (file) => {
		expect(brokenLinks(file, repository)).toEqual([]);
	});
});

describe("the link checker", () => {
	it("makes GitHub's anchors", () => {
		expect(githubSlug("`stateroom build` (`npm run build`)")).toBe("stateroom-build-npm-run-build");
		expect(githubSlug("`stateroom serve <module.wasm | dir>` and <b>bold</b> **text**")).toBe(
			"stateroom-serve-modulewasm--dir-and-bold-text",
		);
		expect(githubSlug("Client identity: env.stateroom_identity")).toBe("client-identity-envstateroom_identity");
		expect(githubSlug("Events (host to guest)")).toBe("events-host-to-guest");
		expect(githubSlug("State, hibernation and failures")).toBe("state-hibernation-and-failures");
		expect(githubSlug("Where the time goes: before and after")).toBe("where-the-time-goes-before-and-after");
		expect([...anchorsOf("# A\n\n## Notes\n\n### Notes\n\n```sh\n# not a heading\n```\n")]).toEqual([
			"a",
			"notes",
			"notes-1",
		]);
	});

	it("fails on a broken path, a missing anchor or a heading inside code", () => {
		const tree = sampleTree({
			"README.md": [
				"# Title",
				"[ok](docs/a.md#real-heading) [ok too](#title) [folder](docs) [site](https://example.com/#x)",
				"[gone](docs/missing.md) [no such heading](docs/a.md#nope) [code is no heading](docs/a.md#not-a-heading)",
				"[no local heading](#nope) `[in code](nowhere.md)`",
			].join("\n"),
			"docs/a.md": "## Real heading\n\n```md\n## Not a heading\n```\n[up](../README.md#title) [out](../../x.md)\n",
		});
		expect(brokenLinks("README.md", tree).map(({ target, line }) => `${line} ${target}`)).toEqual([
			"3 docs/missing.md",
			"3 docs/a.md#nope",
			"3 docs/a.md#not-a-heading",
			"4 #nope",
		]);
		expect(brokenLinks("docs/a.md", tree).map(({ target }) => target)).toEqual(["../../x.md"]);
	});
});
