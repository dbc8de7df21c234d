/**
 * The README's Quick start and five-minute tour, run as a newcomer would run them, so that the
 * README cannot drift from what the project does. Every snippet marked `<!-- readme-test: ... -->`
 * in README.md is taken from there, not copied here:
 *
 * - `quick-start`: its commands are npm's or this package's scripts;
 * - `dev`: started as written (in a shell, through npm), with the port replaced by a free one;
 * - `status`: run in a shell; it prints what its comment says;
 * - `browser-console`: pasted into the served page's console (a real Chromium) as one block;
 * - `file <path>`: written to that path; `register <path>`: its import line and entry are added to
 *   that file where the README says;
 * - `run`: run in a shell; it must succeed.
 *
 * It runs in a copy of the project as committed (see project-copy.ts), on a fresh dev server
 * with fresh storage, so a user who has done the tour already (or changed anything else) never
 * changes what it does. The other runnable blocks of README.md and docs/ (marked
 * `<!-- test: ... -->`) are docs-snippets.test.ts's.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopProcess } from "../../cli/wrangler-dev.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { freePort, PROJECT_ROOT } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

interface Snippet {
	readonly kind: string;
	readonly argument: string | undefined;
	readonly code: string;
}

const README = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");

/** Every marked snippet, in the README's order. */
const SNIPPETS: readonly Snippet[] = [
	...README.matchAll(/<!-- readme-test: (\S+)(?: (\S+))? -->\n```\w*\n([\s\S]*?)```/g),
].map((match) => ({ kind: match[1] as string, argument: match[2], code: match[3] as string }));

function snippets(kind: string): Snippet[] {
	const found = SNIPPETS.filter((snippet) => snippet.kind === kind);
	if (found.length === 0) throw new Error(`README.md has no snippet marked <!-- readme-test: ${kind} -->`);
	return found;
}

/** Shell command lines of a snippet, without comments. */
function commands(snippet: Snippet): string[] {
	return snippet.code
		.split("\n")
		.map((line) => line.replace(/\s+#.*$/, "").trim())
		.filter((line) => line !== "");
}

/** The README's ports (8080, and the example of another port) become the test's own. */
function onPort(text: string): string {
	return text.replaceAll("8080", String(port)).replaceAll("8181", String(port));
}

let copy: ProjectCopy;
let port: number;
let dev: ChildProcess | undefined;
let devOutput = "";
let browser: TestBrowser;

beforeAll(async () => {
	copy = copyProject("stateroom-readme-");
	port = await freePort();
	browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
	await browser?.close();
	if (dev) await stopProcess(dev, { graceMs: 10_000 });
	copy?.remove();
}, 30_000);

/** Runs a command line as a user's shell would, in the copy; output without colours. */
function shell(command: string, ms: number): Promise<{ code: number; stdout: string; output: string }> {
	return new Promise((resolve) => {
		execFile("sh", ["-c", command], { cwd: copy.root, timeout: ms, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
			const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
			resolve({ code, stdout: stripVTControlCharacters(out), output: stripVTControlCharacters(out + err) });
		});
	});
}

/** Waits until dev's output (from `from`) matches, failing early if it exits. */
async function devPrinted(pattern: RegExp, ms: number, from = 0): Promise<void> {
	const deadline = Date.now() + ms;
	while (!pattern.test(devOutput.slice(from))) {
		if (dev?.exitCode !== null) throw new Error(`npm run dev exited (${dev?.exitCode}):\n${devOutput}`);
		if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms:\n${devOutput}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** Opens the served page, pastes `code` into it as the console would run it, and collects what it logs. */
async function pasteInConsole(code: string): Promise<{ page: Page; logged: string[] }> {
	const page = await browser.context.newPage();
	const logged: string[] = [];
	page.on("console", (message) => logged.push(message.text()));
	page.on("pageerror", (error) => logged.push(`uncaught: ${error.message}`));
	try {
		await page.goto(`http://localhost:${port}/`);
		// A classic script at the page's top level: what the console does with a pasted block.
		await page.addScriptTag({ content: code });
	} catch (error) {
		await page.close();
		throw error;
	}
	return { page, logged };
}

async function until(condition: () => boolean, ms: number, what: () => string): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(what());
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe("README: Quick start", () => {
	it("uses only npm's own commands and this package's scripts", () => {
		const scripts = Object.keys(JSON.parse(readFileSync(join(copy.root, "package.json"), "utf8")).scripts);
		for (const command of snippets("quick-start").flatMap(commands)) {
			const script = /^npm run (\S+)/.exec(command)?.[1];
			if (script !== undefined) expect(scripts, command).toContain(script);
			else expect(command).toMatch(/^npm (install|ci|test)\b/);
		}
	});

	it("serves on the port given as the README says (`npm run dev -- --port N`)", async () => {
		const [command, ...rest] = snippets("dev").flatMap(commands);
		expect(rest).toEqual([]);
		expect(command).toMatch(/^npm run dev\b/);
		dev = spawn("sh", ["-c", onPort(command as string)], {
			cwd: copy.root,
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
		});
		dev.stdout?.on("data", (chunk: Buffer) => {
			devOutput += chunk;
		});
		dev.stderr?.on("data", (chunk: Buffer) => {
			devOutput += chunk;
		});
		await devPrinted(/press Ctrl-C to stop/, 150_000);
		expect(devOutput).toContain(`[stateroom] serving http://127.0.0.1:${port} (ready in`);
	}, 160_000);
});

describe("README: the five-minute tour", () => {
	it("1. /status answers as the README says", async () => {
		const [snippet] = snippets("status");
		const [command] = commands(snippet as Snippet);
		const answer = /#\s*answers:\s*(.+)$/m.exec(snippet?.code ?? "")?.[1]?.trim();
		expect(answer).toBeDefined();
		const { code, stdout, output } = await shell(onPort(command as string), 10_000);
		expect(code, output).toBe(0);
		expect(stdout.trim()).toBe(answer);
	});

	it("2. the browser-console snippet, pasted as one block on the served page, prints the new value", async () => {
		const [snippet] = snippets("browser-console");
		const expected = /prints "([^"]+)"/.exec(snippet?.code ?? "")?.[1];
		expect(expected).toBeDefined();
		const { page, logged } = await pasteInConsole(snippet?.code ?? "");
		await until(
			() => logged.includes(expected as string),
			15_000,
			() => `the console never printed "${expected}"; it printed: ${JSON.stringify(logged)}`,
		);
		expect(logged.filter((line) => line.startsWith("uncaught:"))).toEqual([]);
		await page.close();
	});

	it("3. a service written and registered as the README says is served after the reload", async () => {
		for (const { argument, code } of snippets("file").filter((s) => s.argument?.startsWith("services/"))) {
			writeFileSync(join(copy.root, argument as string), code);
		}
		const [register] = snippets("register");
		const file = join(copy.root, register?.argument ?? "");
		const importLine = /^import .*;$/m.exec(register?.code ?? "")?.[0];
		const entry = /^\t+[\w-]+: \w+,$/m.exec(register?.code ?? "")?.[0];
		expect(importLine).toBeDefined();
		expect(entry).toBeDefined();
		// Applied once: a copy whose registry already has the tour's lines (a user who followed the
		// tour and kept it) gets no second import or entry, which would not compile.
		const lines = readFileSync(file, "utf8").split("\n");
		if (!lines.includes(importLine as string)) {
			lines.splice(lines.findLastIndex((line) => line.startsWith("import ")) + 1, 0, importLine as string);
		}
		if (!lines.includes(entry as string)) {
			const services = lines.findIndex((line) => /^\tservices: \{$/.test(line));
			expect(
				services,
				`${register?.argument} has no "services: {" line to register the tour's service in`,
			).toBeGreaterThan(-1);
			lines.splice(services + 1, 0, entry as string);
		}
		const before = devOutput.length;
		writeFileSync(file, lines.join("\n"));

		const tour = snippets("browser-console")[1];
		const deadline = Date.now() + 90_000;
		for (;;) {
			let page: Page | undefined;
			try {
				// Inside the retry: a page load while wrangler reloads may be reset.
				const pasted = await pasteInConsole(tour?.code ?? "");
				page = pasted.page;
				await until(
					() => pasted.logged.includes("tea: 1 votes"),
					5_000,
					() => `the console printed ${JSON.stringify(pasted.logged)}`,
				);
				expect(pasted.logged[0]).toMatch(/^Hello ClientId\(1\): send a word to vote for it\.$/);
				break;
			} catch (error) {
				if (Date.now() > deadline) throw error;
			} finally {
				await page?.close();
			}
		}
		expect(devOutput.slice(before)).not.toContain("[stateroom] error:");
	}, 120_000);

	it("4. the README's test of that service passes, run as the README says", async () => {
		for (const { argument, code } of snippets("file").filter((s) => s.argument?.startsWith("test/"))) {
			writeFileSync(join(copy.root, argument as string), code);
		}
		for (const command of snippets("run").flatMap(commands)) {
			const { code, output } = await shell(command, 180_000);
			expect(code, output).toBe(0);
			expect(output).toMatch(/Tests\s+1 passed/);
		}
	}, 200_000);
});
