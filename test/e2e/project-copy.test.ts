/**
 * The project copies that tests make hold exactly what a fresh clone holds, whatever the user
 * has done in their checkout. The "user's checkout" here is a temporary git repository made from
 * this project's committed tree, in which the README's tour is done first: a new untracked
 * service, its test, its line in services/index.ts, and a running dev's .stateroom/dev.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedFiles, copyProject, type ProjectCopy } from "./project-copy.ts";

let checkout: ProjectCopy;
let copy: ProjectCopy | undefined;
let committedIndex: string;

function git(cwd: string, ...args: string[]): string {
	return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

beforeAll(() => {
	checkout = copyProject("stateroom-user-checkout-", { withBuild: false });
	git(checkout.root, "init", "--quiet");
	writeFileSync(join(checkout.root, ".git/info/exclude"), "node_modules\n");
	git(checkout.root, "add", "--all");
	git(checkout.root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "clone");
	committedIndex = readFileSync(join(checkout.root, "services/index.ts"), "utf8");

	// The tour, as a user does it in their checkout.
	writeFileSync(join(checkout.root, "services/tally.ts"), "export class Tally {}\n");
	writeFileSync(join(checkout.root, "test/worker/tally.test.ts"), "// the tour's test\n");
	writeFileSync(
		join(checkout.root, "services/index.ts"),
		committedIndex.replace(/^(import .*\n)(?!import)/m, '$1import { Tally } from "./tally.ts";\n'),
	);
	mkdirSync(join(checkout.root, ".stateroom"));
	writeFileSync(join(checkout.root, ".stateroom/dev.json"), '{"pid":1,"port":9999}\n');
	// A committed file the user deleted is still part of a fresh clone.
	rmSync(join(checkout.root, "wrangler.toml"));
});

afterAll(() => {
	copy?.remove();
	checkout?.remove();
});

/** Every file under `root` (relative, sorted), but the linked node_modules. */
function filesIn(root: string): string[] {
	return readdirSync(root, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => relative(root, join(entry.parentPath, entry.name)))
		.filter((path) => !path.startsWith("node_modules/"))
		.sort();
}

describe("copyProject", () => {
	it("copies HEAD's committed tree from a checkout where the tour was done, and nothing else", () => {
		expect(readFileSync(join(checkout.root, "services/index.ts"), "utf8")).toContain("./tally.ts");
		copy = copyProject("stateroom-copy-", { from: checkout.root, withBuild: false });
		const committed = committedFiles(checkout.root);
		expect(filesIn(copy.root)).toEqual(committed.map((file) => file.path).sort());
		expect(existsSync(join(copy.root, "services/tally.ts"))).toBe(false);
		expect(existsSync(join(copy.root, "test/worker/tally.test.ts"))).toBe(false);
		expect(existsSync(join(copy.root, ".stateroom"))).toBe(false);
		expect(readFileSync(join(copy.root, "services/index.ts"), "utf8")).toBe(committedIndex);
		expect(existsSync(join(copy.root, "wrangler.toml"))).toBe(true);

		// Every byte as committed: git's own hash of each copied file is the one in HEAD's tree.
		const tree = new Map(
			git(checkout.root, "ls-tree", "-r", "HEAD")
				.trim()
				.split("\n")
				.map((line) => {
					const [meta, path] = line.split("\t");
					return [path as string, meta?.split(" ")[2] as string];
				}),
		);
		const paths = [...tree.keys()];
		const hashes = execFileSync("git", ["hash-object", "--no-filters", "--stdin-paths"], {
			cwd: copy.root,
			input: paths.join("\n"),
			encoding: "utf8",
		})
			.trim()
			.split("\n");
		expect(hashes).toEqual(paths.map((path) => tree.get(path)));
	});

	it("leaves the checkout as the user had it", () => {
		expect(readFileSync(join(checkout.root, ".stateroom/dev.json"), "utf8")).toBe('{"pid":1,"port":9999}\n');
		expect(git(checkout.root, "status", "--porcelain")).toBe(
			" M services/index.ts\n D wrangler.toml\n?? services/tally.ts\n?? test/worker/tally.test.ts\n",
		);
	});
});
