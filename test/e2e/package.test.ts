/**
 * The npm package, as a user gets it: `npm run package` packs it, the tarball is installed into
 * a fresh folder outside this repository, and `stateroom init` (on Node 20, /usr/bin/node, as
 * `npx stateroom init` would run on a machine with Node 20) writes a project there. In that
 * project: `npm install`, `stateroom new`, `npm test` (in workerd), `npm run dev` with a
 * plain-JavaScript Node 20 client that reconnects across a restart, `token`, `rooms` and `room`
 * against it, `stateroom deploy --dry-run`, and a Hono app that mounts the rooms under a prefix
 * next to its own routes, served by `npm run dev` too.
 *
 * npm installs from its cache (--prefer-offline): everything here is a dependency of this
 * repository, so `npm ci` has filled it. One folder and one sequence of steps for the file: each
 * step builds on the one before, as a user's session would.
 */
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackgroundCli, type CliResult, NODE, runCommand, startCommand } from "./cli-process.ts";
import { freePort } from "./dev-server.ts";
import { PROJECT_ROOT } from "./project-copy.ts";

/** Node 20, as the README's Quick start allows: the client and `init` must run on it. */
const NODE_20 = "/usr/bin/node";
const NPM_INSTALL = ["install", "--prefer-offline", "--no-audit", "--no-fund"];

let dir: string;
let tarball: string;
let app: string;
/** Background processes of the current test, stopped after it whatever happened. */
const running: BackgroundCli[] = [];

/** The environment of a user's shell: no npm variables of the `npm test` that runs this file. */
function userEnv(): NodeJS.ProcessEnv {
	return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));
}

async function run(command: string, args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<CliResult> {
	const result = await runCommand(command, args, { cwd, env: userEnv(), timeoutMs });
	if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${result.output}`);
	return result;
}

function start(command: string, args: readonly string[], cwd: string): BackgroundCli {
	const process = startCommand(command, args, { cwd, env: userEnv() });
	running.push(process);
	return process;
}

async function stopAll(): Promise<void> {
	await Promise.all(running.splice(0).map((process) => process.stop()));
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "stateroom-package-"));
	const packed = await run(NODE, [join(PROJECT_ROOT, "scripts/package.mjs"), "--out", dir], PROJECT_ROOT, 120_000);
	const name = /packed .*\/(stateroom-[^/\s]+\.tgz)/.exec(packed.output)?.[1];
	if (!name) throw new Error(`npm run package named no tarball:\n${packed.output}`);
	tarball = join(dir, name);
	// Where the tarball is installed first, as `npx` would: its bin runs `init`, and the Node 20
	// client imports `stateroom/client` from here (with `ws`: Node 20 has no global WebSocket).
	const client = join(dir, "client");
	mkdirSync(client);
	writeFileSync(join(client, "package.json"), '{ "name": "client", "private": true, "type": "module" }\n');
	await run("npm", [...NPM_INSTALL, tarball, "ws"], client, 120_000);
	app = join(dir, "my-app");
}, 240_000);

afterAll(async () => {
	await stopAll();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the stateroom package, installed outside the repository", () => {
	it("`stateroom init` writes a project on Node 20, and refuses a folder that is not empty", async () => {
		const bin = join(dir, "client/node_modules/stateroom/cli/bin.mjs");
		const init = await run(NODE_20, [bin, "init", "my-app", "--package", tarball], dir);
		expect(init.output).toContain("[stateroom] creating my-app");
		for (const file of [
			"package.json",
			"wrangler.toml",
			"src/worker.ts",
			"services/counter.ts",
			"test/counter.test.ts",
		]) {
			expect(existsSync(join(app, file)), file).toBe(true);
		}
		const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
		expect(manifest.dependencies.stateroom).toMatch(/^file:.*\.tgz$/);
		expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(["wrangler", "vitest", "node"]));

		const again = await runCommand(NODE_20, [bin, "init", "my-app"], { cwd: dir, env: userEnv() });
		expect(again.code).toBe(1);
		expect(again.stderr).toMatch(/error: .*my-app is not empty \(.*package\.json/);
		expect(again.stderr).toContain("[stateroom] fix: Choose a new folder name");
	});

	it("installs, scaffolds a service with `stateroom new`, and its `npm test` passes in workerd", async () => {
		await run("npm", NPM_INSTALL, app, 180_000);
		const created = await run("npx", ["stateroom", "new", "lobby"], app);
		expect(created.output).toContain('created service "lobby"');
		expect(readFileSync(join(app, "services/index.ts"), "utf8")).toContain('import { Lobby } from "./lobby.ts";');
		const test = await run("npm", ["test"], app, 120_000);
		expect(test.output).toMatch(/Test Files\s+2 passed/);
	}, 300_000);

	it("gives the client to a browser bundler on its own, and types to TypeScript", async () => {
		writeFileSync(
			join(app, "src/page.ts"),
			`import { connectRoom, type Incoming, type SendResult } from "stateroom/client";
import { useRoom } from "stateroom/client/react";

const room = connectRoom({ host: "127.0.0.1:8080", room: "lobby" });
room.on("message", (message: Incoming) => console.log(message.kind));
export const sent: SendResult = room.send("increment");
export { useRoom };
`,
		);
		const bundle = join(dir, "page.js");
		await run(
			join(app, "node_modules/.bin/esbuild"),
			["src/page.ts", "--bundle", "--format=esm", "--external:react", `--outfile=${bundle}`],
			app,
		);
		const code = readFileSync(bundle, "utf8");
		expect(code).toContain("connectRoom");
		// Nothing of the library (Workers-only) comes along with the client.
		expect(code).not.toMatch(/cloudflare:workers|DurableObject|itty-router/);
		// The project's tsc sees the package's declarations (the library's, the client's and its React
		// hook's): the one error is the line that misuses a type they declare.
		writeFileSync(
			join(app, "src/page.ts"),
			`${readFileSync(join(app, "src/page.ts"), "utf8")}export const wrong: number = room.state;\n`,
		);
		const checked = await runCommand(join(app, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], {
			cwd: app,
			env: userEnv(),
			timeoutMs: 60_000,
		});
		expect(checked.output.match(/error TS\d+/g)).toEqual(["error TS2322"]);
		expect(checked.output).toMatch(/src\/page\.ts\(8,14\): error TS2322: .* is not assignable to type 'number'/);
		rmSync(join(app, "src/page.ts"));
	}, 60_000);

	it("serves with `npm run dev`; a Node 20 client reconnects across a restart; token, rooms and room work", async () => {
		const port = await freePort();
		let dev = start("npm", ["run", "dev", "--", "--port", String(port)], app);
		await dev.waitFor(/press Ctrl-C to stop/, 120_000);
		expect(dev.output()).toContain(`default room  ws://127.0.0.1:${port}/ws/:room  (service "counter")`);

		// Plain JavaScript on Node 20: sends "increment" whenever it is (re)connected, prints what arrives.
		writeFileSync(
			join(dir, "client/counter.mjs"),
			`import { connectRoom } from "stateroom/client";
import WebSocket from "ws";

const room = connectRoom(process.argv[2], { WebSocket, backoff: { baseMs: 100, capMs: 1000 } });
room.on("state", ({ state }) => {
	console.log("state:", state);
	if (state === "open") room.send("increment");
});
room.on("message", (message) => console.log("message:", message.text));
`,
		);
		const client = start(NODE_20, ["counter.mjs", `ws://127.0.0.1:${port}/ws/lobby`], join(dir, "client"));
		await client.waitFor(/message: new value: 1\n/, 20_000);

		const token = await run("npx", ["stateroom", "token", "--service", "counter", "--room", "lobby"], app);
		expect(token.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
		const rooms = await run("npx", ["stateroom", "rooms", "counter"], app);
		expect(rooms.stdout).toContain("lobby");
		const room = await run("npx", ["stateroom", "room", "counter", "lobby", "--state"], app);
		expect(room.stdout).toContain('"value": 1');

		// A restart: the room's state is stored (.wrangler/state), and the client reconnects on its own.
		await dev.stop();
		running.splice(running.indexOf(dev), 1);
		await client.waitFor(/state: reconnecting\n/, 20_000);
		const before = client.output().length;
		dev = start("npm", ["run", "dev", "--", "--port", String(port)], app);
		await dev.waitFor(/press Ctrl-C to stop/, 120_000);
		await client.waitFor(/state: open\n(?:.*\n)*message: value: 1\n(?:.*\n)*message: new value: 2\n/, 30_000, before);
		await stopAll();
	}, 300_000);

	it("`stateroom deploy --dry-run` bundles the Worker and uploads nothing", async () => {
		const deploy = await run("npx", ["stateroom", "deploy", "--dry-run"], app, 120_000);
		expect(deploy.output).toContain("bundling the Worker into dist/: done");
		expect(deploy.output).toContain("[stateroom] dry run:");
		expect(deploy.output).not.toContain("deploying with wrangler deploy");
		expect(existsSync(join(app, "dist/worker.js"))).toBe(true);
		// The library's own WebAssembly modules, imported from node_modules, are bundled with it.
		const modules = readdirSync(join(app, "dist")).filter((file) => file.endsWith(".wasm"));
		expect(modules).toHaveLength(2);
		expect(modules).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/-meter-key\.wasm$/),
				expect.stringMatching(/-signature-probe\.wasm$/),
			]),
		);
	}, 150_000);

	it("meters a WebAssembly module the services import (`stateroom build`), and `npm test` runs it in workerd", async () => {
		// An unmetered ABI v1 guest (test/fixtures/wat/scripted.wat): "c" counts, and replies [count, count] as u32s.
		const module = join(PROJECT_ROOT, "build/fixtures/unmetered.wasm");
		if (!existsSync(module)) throw new Error(`${module} is missing: run \`npm run build:test\` first.`);
		await run("npm", [...NPM_INSTALL, "--save-dev", "binaryen"], app, 120_000);
		copyFileSync(module, join(app, "services/scripted.wasm"));
		const index = readFileSync(join(app, "services/index.ts"), "utf8");
		writeFileSync(
			join(app, "services/index.ts"),
			index
				.replace(
					'import { Counter } from "./counter.ts";',
					'import { Counter } from "./counter.ts";\nimport scripted from "./scripted.wasm";',
				)
				.replace("\t\tcounter: Counter,", "\t\tcounter: Counter,\n\t\tscripted,"),
		);
		writeFileSync(
			join(app, "test/scripted.test.ts"),
			`import { expect, it } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

it("runs the metered WebAssembly service", async () => {
	const client = await connect(\`/s/scripted/ws/\${uniqueRoom()}\`);
	client.send("c");
	expect([...((await client.next()) as Uint8Array)]).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
	client.close();
});
`,
		);
		const build = await run("npx", ["stateroom", "build"], app, 120_000);
		expect(build.output).toContain("[stateroom] services/scripted.wasm: metered in place");
		// The project's own key, not the installed package's: a reinstall keeps it.
		expect(existsSync(join(app, ".stateroom/meter-key.pem"))).toBe(true);
		const test = await run("npm", ["test"], app, 120_000);
		expect(test.output).toMatch(/Test Files\s+3 passed/);
	}, 300_000);

	it("a Hono app serves its own routes and the mounted rooms side by side under `npm run dev`", async () => {
		await run("npm", [...NPM_INSTALL, "hono"], app, 120_000);
		writeFileSync(
			join(app, "src/worker.ts"),
			`import { Hono } from "hono";
import { createStateroom } from "stateroom";
import services from "../services/index.ts";

export { Directory, Room } from "stateroom";

const stateroom = createStateroom(services, { prefix: "/rooms" });
const app = new Hono();

app.use("/rooms/*", async (c, next) => {
	const response = await stateroom.route(c.req.raw, c.env, c.executionCtx);
	if (response) return response;
	await next();
});
app.get("/", (c) => c.text("my app's home"));
app.get("/rooms/lobby", (c) => c.text("my app's lobby page"));

export default app;
`,
		);
		const port = await freePort();
		const dev = start("npm", ["run", "dev", "--", "--port", String(port)], app);
		await dev.waitFor(/press Ctrl-C to stop/, 120_000);
		expect(dev.output()).toContain(`counter       ws://127.0.0.1:${port}/rooms/s/counter/ws/:room`);

		const base = `http://127.0.0.1:${port}`;
		expect(await (await fetch(`${base}/`)).text()).toBe("my app's home");
		expect(await (await fetch(`${base}/rooms/lobby`)).text()).toBe("my app's lobby page");
		expect(await (await fetch(`${base}/rooms/status`)).text()).toContain("ok");

		const socket = new WebSocket(`ws://127.0.0.1:${port}/rooms/s/counter/ws/hono`);
		const messages: string[] = [];
		const greeted = new Promise<void>((resolve, reject) => {
			socket.addEventListener("message", (event) => {
				messages.push(String(event.data));
				resolve();
			});
			socket.addEventListener("error", () => reject(new Error("the WebSocket to the mounted room failed")));
		});
		await greeted;
		expect(messages[0]).toBe("value: 0");
		socket.close();
		await stopAll();
	}, 200_000);
});
