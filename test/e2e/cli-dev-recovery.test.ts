/**
 * `stateroom dev` survives the mistakes a developer makes while it runs, in a throwaway copy of
 * the project (real CLI, real wrangler dev): a service registered without its import (the Worker
 * throws at load, wrangler exits) and an import of a module that does not exist (the build
 * fails, wrangler would hang every request). Each time it prints `error:` and `fix:` lines,
 * answers on its port with the reason instead of hanging, and serves again after the next save.
 * `stateroom new --as` while it runs never breaks it: the module is built before it is imported.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackgroundCli, runCli, startCli } from "./cli-process.ts";
import { open } from "./client.ts";
import { freePort } from "./dev-server.ts";
import { copyProject, type ProjectCopy } from "./project-copy.ts";

let copy: ProjectCopy;
let cli: BackgroundCli;
let port: number;

beforeAll(async () => {
	copy = copyProject("stateroom-dev-recovery-");
	port = await freePort();
	cli = startCli(["dev", String(port), "--", "--persist-to", join(copy.root, ".wrangler/state")], { cwd: copy.root });
	await cli.waitFor(/press Ctrl-C to stop/, 150_000);
}, 160_000);

afterAll(async () => {
	await cli?.stop();
	copy?.remove();
});

function edit(file: string, change: (source: string) => string): void {
	const path = join(copy.root, file);
	writeFileSync(path, change(readFileSync(path, "utf8")));
}

/** `/status` with a deadline: a hanging server fails the test instead of stalling it. */
async function status(): Promise<{ code: number; text: string }> {
	const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(5_000) });
	return { code: response.status, text: await response.text() };
}

/** Sends `text` to a fresh room of `service` and resolves with the reply. */
async function ask(service: string, text: string, skipGreeting = false): Promise<string> {
	const socket = await open(`ws://127.0.0.1:${port}/s/${service}/ws/${crypto.randomUUID()}`);
	if (skipGreeting) await socket.nextText();
	socket.send(text);
	const reply = await socket.nextText();
	await socket.close();
	return reply;
}

/**
 * Waits until dev has said that it stopped serving and why, and returns what it printed since
 * `before`: its "until then" line goes to stdout, its error and fix to stderr, a pipe of its own
 * that may be read earlier or later, so both are waited for.
 */
async function stoppedServing(before: number, ms: number): Promise<string> {
	await cli.waitFor(/\[stateroom\] until then, http:\/\/127\.0\.0\.1:\d+ answers every request/, ms, before);
	await cli.waitFor(/stateroom dev starts wrangler again on the next change to [^\n]*\n/, ms, before);
	return cli.output().slice(before);
}

const TALLY = `import { type ClientId, type MessagePayload, type Service, type ServiceContext } from "stateroom";

export class Tally implements Service {
	message(client: ClientId, message: MessagePayload, ctx: ServiceContext) {
		ctx.sendMessage(client, \`tally got \${message.text()}\`);
	}
}
`;

describe("stateroom dev, when the Worker cannot run", () => {
	it("says a service used without its import broke the load, answers 503 and 1011 with why, and recovers on save", async () => {
		writeFileSync(join(copy.root, "services/tally.ts"), TALLY);
		const before = cli.output().length;
		edit("services/index.ts", (source) => source.replace("\t\tchat: Chat,\n", "\t\tchat: Chat,\n\t\ttally: Tally,\n"));
		const printed = await stoppedServing(before, 60_000);
		expect(printed).toContain(
			"[stateroom] error: the Worker failed to load: Uncaught ReferenceError: Tally is not defined.\n",
		);
		expect(printed).toMatch(/\[stateroom\] fix: `Tally` is used but never defined or imported: add its import line/);
		expect(printed).toContain(
			"starts wrangler again on the next change to app/, services/, src/, build/wasm/ or wrangler.toml",
		);

		const answer = await status();
		expect(answer.code).toBe(503);
		expect(answer.text).toContain("error: the Worker failed to load: Uncaught ReferenceError: Tally is not defined.");
		const socket = await open(`ws://127.0.0.1:${port}/ws/lobby`);
		const closed = await socket.closed;
		expect(closed.code).toBe(1011);
		expect(closed.reason).toMatch(/^the Worker is not running: the Worker failed to load: Uncaught ReferenceError/);

		edit("services/index.ts", (source) =>
			source.replace(
				'import { rustServices } from "./rust.ts";',
				'import { rustServices } from "./rust.ts";\nimport { Tally } from "./tally.ts";',
			),
		);
		await cli.waitFor(/serving http:\/\/127\.0\.0\.1:\d+ again/, 90_000, before);
		expect(await status()).toEqual({ code: 200, text: "ok" });
		expect(await ask("tally", "tea")).toBe("tally got tea");
	}, 180_000);

	it("says a typo in the services index is a typo, in the type checker's words, not a missing import", async () => {
		const before = cli.output().length;
		edit("services/index.ts", (source) => source.replace("\t\ttally: Tally,\n", "\t\ttally: Taly,\n"));
		await stoppedServing(before, 90_000);
		await cli.waitFor(/Did you mean 'Tally'\? \(TS2552\)/, 60_000, before);
		const printed = cli.output().slice(before);
		expect(printed).toMatch(
			/\[stateroom\] {3}services\/index\.ts:\d+:\d+: Cannot find name 'Taly'\. Did you mean 'Tally'\? \(TS2552\)\n/,
		);
		expect(printed).toContain(
			"[stateroom] error: the Worker failed to load: Uncaught ReferenceError: Taly is not defined.",
		);
		expect(printed).toMatch(
			/\[stateroom\] fix: The type check says services\/index\.ts:\d+:\d+: Cannot find name 'Taly'\. Did you mean 'Tally'\? Correct that line, then save/,
		);
		expect(printed).not.toContain("add its import line");

		edit("services/index.ts", (source) => source.replace("\t\ttally: Taly,\n", "\t\ttally: Tally,\n"));
		await cli.waitFor(/serving http:\/\/127\.0\.0\.1:\d+ again/, 90_000, before);
		await cli.waitFor(/\[stateroom\] type check: no errors/, 60_000, before);
		expect(await ask("tally", "tea")).toBe("tally got tea");
	}, 240_000);

	it("says which import broke the build instead of hanging, and recovers once the file exists", async () => {
		const before = cli.output().length;
		edit("services/assemblyscript.ts", (source) =>
			source
				.replace(
					'import asEcho from "../build/wasm/as-echo.wasm";',
					'import asEcho from "../build/wasm/as-echo.wasm";\nimport asMissing from "../build/wasm/as-missing.wasm";',
				)
				.replace('\t"as-clock": asClock,\n', '\t"as-clock": asClock,\n\t"as-missing": asMissing,\n'),
		);
		const printed = await stoppedServing(before, 60_000);
		expect(printed).toMatch(
			/\[stateroom\] error: wrangler could not build the Worker: ENOENT: no such file or directory, open '[^']*build\/wasm\/as-missing\.wasm' \(at services\/assemblyscript\.ts:\d+:\d+\)\.\n/,
		);
		expect(printed).toContain("[stateroom] fix: Fix that file or import");
		expect((await status()).code).toBe(503);

		edit("services/assemblyscript.ts", (source) =>
			source.replace(/import asMissing from .*\n/, "").replace('\t"as-missing": asMissing,\n', ""),
		);
		await cli.waitFor(/serving http:\/\/127\.0\.0\.1:\d+ again/, 90_000, before);
		expect(await status()).toEqual({ code: 200, text: "ok" });
	}, 180_000);

	it("serves a service from `stateroom new --as` made while it runs, and never stops answering", async () => {
		const before = cli.output().length;
		const made = await runCli(["new", "vote", "--as"], { cwd: copy.root, timeoutMs: 120_000 });
		expect(made.code, made.output).toBe(0);
		expect(made.stdout).toContain(
			`[stateroom] serve it: the running dev server (port ${port}) reloads it; connect to ws://127.0.0.1:${port}/s/as-vote/ws/<room>`,
		);
		// The generated service greets, then numbers each message; wrangler reloads meanwhile.
		const deadline = Date.now() + 60_000;
		for (;;) {
			expect((await status()).code).toBe(200);
			try {
				expect(await ask("as-vote", "yes", true)).toBe("#1 from 1: yes");
				break;
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
		}
		expect(cli.output().slice(before)).not.toContain("[stateroom] error:");
	}, 180_000);
});
