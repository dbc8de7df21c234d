/**
 * `stateroom --help`, every command's `--help`, `--version`, and the command-line mistakes every
 * command refuses the same way: a message that says what is wrong, a fix, and exit code 2. Run
 * in this process (see run-main.ts); test/e2e/cli-help.test.ts runs the real `stateroom` and
 * `npm run dev` for what only a process shows.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/settings.ts";
import { runMain } from "./run-main.ts";

const PROJECT_ROOT = resolve(import.meta.dirname, "../..");

const COMMANDS = [
	"dev",
	"serve",
	"build",
	"deploy",
	"new",
	"token",
	"rooms",
	"room",
	"publish",
	"versions",
	"rollback",
	"unpublish",
	"publish-key",
];

describe("stateroom --version", () => {
	it("prints the package's version and exits 0", async () => {
		const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
		for (const flag of ["--version", "-v"]) {
			const { code, stdout, stderr } = await runMain([flag]);
			expect(code).toBe(0);
			expect(stderr).toBe("");
			expect(stdout).toBe(`stateroom ${version}\n`);
		}
	});
});

describe("stateroom --help", () => {
	it("lists every command with a summary, and exits 0", async () => {
		const { code, stdout } = await runMain(["--help"]);
		expect(code).toBe(0);
		expect(stdout).toMatch(/^Usage: stateroom <command>/);
		for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, "m"));
	});

	it("prints the usage and exits 2 when no command is given", async () => {
		const { code, stdout } = await runMain([]);
		expect(code).toBe(2);
		expect(stdout).toMatch(/^Usage: stateroom <command>/);
	});

	it.each(COMMANDS)("gives `%s --help` a usage line, options and an example", async (command) => {
		const { code, stdout, stderr } = await runMain([command, "--help"]);
		expect(code).toBe(0);
		expect(stderr).toBe("");
		expect(stdout).toMatch(new RegExp(`^Usage: stateroom ${command}\\b`));
		expect(stdout).toMatch(/-h, --help/);
		expect(stdout).toMatch(/Examples?:\n {2}npx stateroom /);
		// `help <command>` is the same text.
		expect((await runMain(["help", command])).stdout).toBe(stdout);
	});

	it("states the Worker's own defaults in `serve --help`, read from the settings", async () => {
		const { stdout } = await runMain(["serve", "--help"]);
		const defaults = {
			"max-clients": DEFAULT_LIMITS.maxClients,
			"max-message-bytes": DEFAULT_LIMITS.maxMessageBytes,
			"messages-per-second": DEFAULT_LIMITS.messagesPerSecond,
			"message-burst": DEFAULT_LIMITS.messageBurst,
		};
		for (const [flag, value] of Object.entries(defaults)) {
			expect(stdout).toMatch(new RegExp(`--${flag} <n> .*\\(default ${value}\\)`));
		}
	});
});

describe("command-line mistakes", () => {
	it("refuses an unknown command, naming the commands there are", async () => {
		const { code, stderr, stdout } = await runMain(["frobnicate"]);
		expect(code).toBe(2);
		expect(stdout).toBe("");
		expect(stderr).toContain(
			'[stateroom] error: Unknown command "frobnicate". The commands are: init, dev, serve, build, deploy, new, token, rooms, room, publish, versions, rollback, unpublish, publish-key.',
		);
		expect(stderr).toContain("[stateroom] fix: See `npx stateroom --help` for the usage.");
	});

	it.each(COMMANDS)("refuses an unknown option to `%s` and points at its help", async (command) => {
		const { code, stderr } = await runMain([command, "--frobnicate"]);
		expect(code).toBe(2);
		expect(stderr).toContain("[stateroom] error: Unknown option '--frobnicate'.");
		expect(stderr).toContain(`[stateroom] fix: See \`npx stateroom ${command} --help\` for the usage.`);
	});

	it("refuses a port that is not a number", async () => {
		const { code, stderr } = await runMain(["dev", "eighty"]);
		expect(code).toBe(2);
		expect(stderr).toContain('"eighty" is not a port number: use a whole number from 1 to 65535.');
	});

	it("refuses `serve` without a module, and a module that does not exist", async () => {
		const missingArg = await runMain(["serve"]);
		expect(missingArg.code).toBe(2);
		expect(missingArg.stderr).toContain("Missing the module to serve");
		const missingFile = await runMain(["serve", "no/such/module.wasm"]);
		expect(missingFile.code).toBe(1);
		expect(missingFile.stderr).toMatch(/error: \S*no\/such\/module\.wasm does not exist\./);
		expect(missingFile.stderr).toContain("fix: Check the path");
		const unknownService = await runMain(["serve", "no-such-service"]);
		expect(unknownService.code).toBe(1);
		expect(unknownService.stderr).toMatch(
			/error: No module file and no WebAssembly service named "no-such-service"\. Built WebAssembly services: .*as-counter.*rust-echo/,
		);
	});

	it("serves a built service by its registered name, the examples of `serve --help` included", async () => {
		// A port in use stops `serve` just after it has found and checked the module: enough to
		// prove that each name resolves to build/wasm/<name>.wasm without starting wrangler.
		const busy = createServer();
		await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
		const port = (busy.address() as AddressInfo).port;
		try {
			const help = (await runMain(["serve", "--help"])).stdout;
			const examples = [...help.matchAll(/^ {2}npx stateroom serve (\S+)/gm)].map((match) => match[1] as string);
			const names = examples.filter((example) => !example.includes("/"));
			expect(names).toContain("rust-echo");
			for (const name of ["rust-echo", "c-echo", ...names]) {
				const { code, stdout, stderr } = await runMain(["serve", name, "--port", String(port)]);
				expect(stdout, name).toContain(`[stateroom] checking build/wasm/${name}.wasm against the Stateroom ABI...`);
				expect(stderr, name).toContain(`[stateroom] error: Port ${port} on 127.0.0.1 is already in use`);
				expect(code, name).toBe(1);
			}
		} finally {
			busy.close();
		}
	});

	it("says what to do when run outside a project", async () => {
		const { code, stderr } = await runMain(["build"], { cwd: "/" });
		expect(code).toBe(1);
		expect(stderr).toContain("No Stateroom project in /");
		expect(stderr).toContain("fix: Run stateroom from inside the project folder");
	});

	it("says to run npm install when the project has no wrangler", async () => {
		// A project folder as a fresh clone has it before `npm install`.
		const project = mkdtempSync(join(tmpdir(), "stateroom-bare-"));
		writeFileSync(join(project, "package.json"), "{}");
		writeFileSync(join(project, "wrangler.toml"), 'name = "bare"');
		for (const command of ["dev", "build", "deploy"]) {
			const { code, stderr } = await runMain([command], { cwd: project });
			expect(code, command).toBe(1);
			expect(stderr).toContain("[stateroom] error: wrangler is not installed in this project");
			expect(stderr).toContain(`[stateroom] fix: Run \`npm install\` in ${project}, then try again.`);
		}
	});
});
