/**
 * The code blocks of README.md, docs/ and bench/README.md that are meant to run, run, so that the
 * pages cannot drift from what the project does. A block is marked by an HTML comment on the line
 * before its fence (GitHub does not show it):
 *
 * - `<!-- test: typecheck -->`: a complete TypeScript module, compiled with the project's strict
 *   settings against the Workers types (`typecheck browser`: against the DOM's, as a page would);
 *   it may import `stateroom` and, as app/worker.ts does, `../services/index.ts`;
 * - `<!-- test: run -->`: shell command lines that need no server and no network; each must exit
 *   0, and a line commented `# prints: X` must print X;
 * - `<!-- test: node-client -->`: a Node program run next to the shared `wrangler dev` (its port
 *   replacing 8080); it must exit on its own and print what its `// ` comment on a `console.log`
 *   line says, up to the first parenthesis.
 *
 * Everything runs in a copy of the project as committed (see project-copy.ts), so a
 * user's own files (a `.dev.vars`, say) neither change nor break what these snippets do.
 * README.md's tour is run by readme.test.ts, through its own `readme-test` markers.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";
import { type SharedServer, sharedDevServer } from "./shared-server.ts";

const KINDS = ["typecheck", "run", "node-client"] as const;
type Kind = (typeof KINDS)[number];

interface Snippet {
	readonly page: string;
	readonly line: number;
	readonly kind: Kind;
	readonly argument: string | undefined;
	readonly code: string;
	/** `page:line`, how failures name it. */
	readonly name: string;
}

const PAGES = [
	"README.md",
	"bench/README.md",
	...readdirSync(join(PROJECT_ROOT, "docs"))
		.filter((file) => file.endsWith(".md"))
		.map((file) => `docs/${file}`),
];

/** Every `<!-- test: ... -->` marker of a page, and the fenced block right below it. */
function markedSnippets(page: string, text: string): { snippets: Snippet[]; problems: string[] } {
	const snippets: Snippet[] = [];
	const problems: string[] = [];
	for (const marker of text.matchAll(/<!-- test: ([\w-]+)(?: ([\w-]+))? -->\n?/g)) {
		const line = text.slice(0, marker.index).split("\n").length;
		const name = `${page}:${line}`;
		const block = /^```[\w-]*\n([\s\S]*?)^```/m.exec(text.slice((marker.index ?? 0) + marker[0].length));
		if (!KINDS.includes(marker[1] as Kind)) problems.push(`${name}: unknown kind "${marker[1]}" (${KINDS.join(", ")})`);
		else if (block === null || block.index !== 0) problems.push(`${name}: the marker is not followed by a code block`);
		else snippets.push({ page, line, kind: marker[1] as Kind, argument: marker[2], code: block[1] as string, name });
	}
	return { snippets, problems };
}

const parsed = PAGES.map((page) => markedSnippets(page, readFileSync(join(PROJECT_ROOT, page), "utf8")));
const SNIPPETS = parsed.flatMap(({ snippets }) => snippets);
const of = (kind: Kind) => SNIPPETS.filter((snippet) => snippet.kind === kind);

let copy: ProjectCopy;

beforeAll(() => {
	copy = copyProject("stateroom-docs-", { withBuild: false });
});

afterAll(() => copy?.remove());

function exec(
	file: string,
	args: readonly string[],
	options: { cwd: string; ms: number; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; output: string }> {
	return new Promise((resolve) => {
		execFile(
			file,
			args,
			{ cwd: options.cwd, timeout: options.ms, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...options.env } },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
				resolve({ code, stdout, output: `${stdout}${stderr}` });
			},
		);
	});
}

describe("marked snippets in the docs", () => {
	it("are all well formed, and there are some of every kind", () => {
		expect(parsed.flatMap(({ problems }) => problems)).toEqual([]);
		for (const kind of KINDS) expect(of(kind).length, kind).toBeGreaterThan(0);
	});
});

/**
 * The TypeScript blocks, in one compiler run per environment. A block that must fail goes along
 * as a canary: the run has to report it, and only it, or the check proves nothing.
 */
describe("TypeScript snippets compile", () => {
	const CANARY = {
		worker: 'import { MessageRecipient } from "stateroom";\nMessageRecipient.broadcast(42);\n',
		browser: 'import { connectRoom } from "stateroom/client";\nconnectRoom(42);\n',
	};

	for (const environment of ["worker", "browser"] as const) {
		const snippets = of("typecheck").filter((snippet) => (snippet.argument ?? "worker") === environment);
		it.skipIf(snippets.length === 0)(
			`for ${environment}: ${snippets.map((s) => s.name).join(", ")}`,
			async () => {
				const folder = join(copy.root, `doc-snippets-${environment}`);
				mkdirSync(folder, { recursive: true });
				const files = new Map<string, string>();
				snippets.forEach((snippet, index) => {
					const file = `snippet-${index}.ts`;
					files.set(file, snippet.name);
					writeFileSync(join(folder, file), snippet.code);
				});
				writeFileSync(join(folder, "canary.ts"), CANARY[environment]);
				const compilerOptions =
					environment === "browser" ? { lib: ["es2023", "dom"], types: [] } : { types: ["@cloudflare/workers-types"] };
				const include =
					environment === "browser"
						? ["./*.ts"]
						: ["./*.ts", "../worker-configuration.d.ts", "../src/wasm/wasm-modules.d.ts"];
				writeFileSync(
					join(folder, "tsconfig.json"),
					JSON.stringify({ extends: "../tsconfig.json", compilerOptions, include }),
				);

				const tsc = join(PROJECT_ROOT, "node_modules/.bin/tsc");
				const { output } = await exec(tsc, ["-p", folder, "--pretty", "false"], { cwd: copy.root, ms: 120_000 });
				const errors = output
					.split("\n")
					.filter((line) => line.includes("error TS"))
					.map((line) =>
						line.replace(/^doc-snippets-\w+\/(snippet-\d+\.ts)/, (_, file: string) => files.get(file) ?? file),
					);
				expect(
					errors.filter((line) => line.startsWith("doc-snippets-") && line.includes("canary.ts")).length,
					output,
				).toBe(1);
				expect(errors.filter((line) => !line.includes("canary.ts"))).toEqual([]);
			},
			150_000,
		);
	}
});

describe("shell snippets run offline", () => {
	it.each(of("run").map((snippet) => [snippet.name, snippet] as const))(
		"%s",
		async (_, snippet) => {
			for (const line of snippet.code.split("\n")) {
				const command = line.replace(/\s+#.*$/, "").trim();
				if (command === "") continue;
				const prints = /#\s*prints:\s*(.+)$/.exec(line)?.[1]?.trim();
				const { code, output, stdout } = await exec("sh", ["-c", command], { cwd: copy.root, ms: 60_000 });
				expect(code, `${command}\n${output}`).toBe(0);
				if (prints !== undefined) expect(stdout, command).toContain(prints);
			}
		},
		120_000,
	);
});

describe("Node client snippets run against wrangler dev", () => {
	let server: SharedServer;

	beforeAll(async () => {
		server = await sharedDevServer();
	}, 90_000);

	it.each(of("node-client").map((snippet) => [snippet.name, snippet] as const))(
		"%s",
		async (_, snippet) => {
			const expected = /console\.log\(.*\/\/ ([^(]+?)\s*(?:\(|$)/m.exec(snippet.code)?.[1];
			expect(expected, "a console.log line commented with what it prints").toBeDefined();
			const file = join(copy.root, `doc-snippet-${snippet.line}.mjs`);
			writeFileSync(file, snippet.code.replaceAll("8080", String(server.port)));
			const { code, stdout, output } = await exec(process.execPath, [file], { cwd: copy.root, ms: 20_000 });
			expect(code, output).toBe(0);
			expect(stdout).toContain(expected);
		},
		30_000,
	);
});
