/**
 * Relative links and `#anchors` in Markdown, checked the way GitHub renders them: a link's path
 * is resolved against the linking file's folder, and an anchor names a heading of the target
 * file by GitHub's slug (lowercased, punctuation dropped, spaces as dashes, repeats numbered).
 * Code (fenced blocks and inline spans) is neither a heading nor a link.
 */
import { posix } from "node:path";

export interface BrokenLink {
	readonly file: string;
	readonly line: number;
	readonly target: string;
	readonly problem: string;
}

/** Where links go: a file's text by its path relative to the repository root, or undefined. */
export interface Tree {
	read(path: string): string | undefined;
	/** Whether the path exists at all (a file of any kind, or a folder). */
	exists(path: string): boolean;
}

/** Each line of a Markdown text, with fenced code blocks blanked out and inline code removed. */
function proseLines(markdown: string): string[] {
	let fence: string | undefined;
	return markdown.split("\n").map((line) => {
		const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
		if (fence !== undefined) {
			if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
			return "";
		}
		if (marker !== undefined) {
			fence = marker;
			return "";
		}
		return line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, "");
	});
}

/** GitHub's anchor for a heading, from its Markdown (as github-slugger does it on the rendered text). */
export function githubSlug(heading: string): string {
	// Code spans keep their text as it is; outside them, links show their text and markup goes.
	const text = heading
		.split(/(`+[^`]*`+)/)
		.map(
			(part, index) =>
				index % 2 === 1
					? part.replace(/^`+|`+$/g, "")
					: part
							.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
							.replace(/<[^>]+>/g, "")
							.replace(/\*\*|__|\*/g, ""), // a lone `_` stays: it may be part of a name
		)
		.join("")
		.toLowerCase()
		.trim();
	return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor a Markdown file has: its headings' slugs, numbered when repeated. */
export function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	const lines = markdown.split("\n");
	const prose = proseLines(markdown);
	prose.forEach((_, index) => {
		// Headings are read from the raw line so that their inline code keeps its text.
		const raw = lines[index] as string;
		const heading = prose[index] === "" && raw.trim() !== "" ? undefined : /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
		if (heading === undefined || heading === null) return;
		const slug = githubSlug(heading[1] as string);
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	});
	for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] as string);
	return anchors;
}

/** The targets of a Markdown file's inline links and images, with their line numbers. */
export function linksOf(markdown: string): { line: number; target: string }[] {
	const links: { line: number; target: string }[] = [];
	proseLines(markdown).forEach((line, index) => {
		for (const match of line.matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
			links.push({ line: index + 1, target: match[1] as string });
		}
	});
	return links;
}

/** Every relative link of `file` (a path relative to the root) that points nowhere. */
export function brokenLinks(file: string, tree: Tree): BrokenLink[] {
	const markdown = tree.read(file);
	if (markdown === undefined) throw new Error(`${file} cannot be read`);
	const broken: BrokenLink[] = [];
	for (const { line, target } of linksOf(markdown)) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...: not ours to check
		const hash = target.indexOf("#");
		const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
		const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
		const resolved = path === "" ? file : posix.normalize(posix.join(posix.dirname(file), path)).replace(/\/$/, "");
		const report = (problem: string) => broken.push({ file, line, target, problem });
		if (resolved.startsWith("../") || resolved === "..") {
			report("points outside the repository");
			continue;
		}
		if (!tree.exists(resolved)) {
			report(`${resolved} does not exist`);
			continue;
		}
		if (anchor === undefined || !resolved.endsWith(".md")) continue;
		const text = tree.read(resolved);
		if (text === undefined || !anchorsOf(text).has(anchor))
			report(`${resolved} has no heading with the anchor #${anchor}`);
	}
	return broken;
}
