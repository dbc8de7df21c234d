/**
 * Child processes the CLI drives: wrangler, the WebAssembly build, and a running server. The CLI
 * is a thin layer over wrangler: it never serves or bundles anything itself.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { errorMessage } from "../src/errors.ts";
import { CliError } from "./errors.ts";
import { info } from "./output.ts";
import type { Project } from "./project.ts";
import { toolEnv, wranglerEntry } from "./wrangler-dev.ts";

/**
 * The environment for every child: this Node and the project's tools first on the PATH, so
 * that wrangler and the builds run on the same Node 22 as the CLI even when the system's `node`
 * is older (wrangler refuses Node 20).
 */
export function childEnv(project: Project, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return toolEnv(project.root, extra);
}

/** The path of wrangler's JavaScript entry, run with `process.execPath` (see `childEnv`). */
export function wranglerPath(project: Project): string {
	const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
	if (major < 22 || (major === 22 && minor < 12)) {
		throw new CliError(
			`wrangler needs Node 22.12 or newer, and this is Node ${process.versions.node}.`,
			"Run stateroom through npm (`npx stateroom ...`, `npm run dev`): a project made by `stateroom init` brings its own Node 22 (the `node` devDependency), which npm puts first on the PATH. Or install Node 22.",
		);
	}
	const path = wranglerEntry(project.root);
	if (path === undefined) {
		throw new CliError(
			`wrangler is not installed in this project (${project.path("node_modules/wrangler/bin/wrangler.js")} is missing).`,
			`Run \`npm install\` in ${project.root}, then try again.`,
		);
	}
	return path;
}

export interface RunResult {
	readonly code: number;
	/** stdout and stderr together, as printed. */
	readonly output: string;
}

/**
 * Runs a command to completion, passing its output through while keeping a copy, so that a
 * failure can be explained from what the tool said.
 */
export function run(
	command: string,
	args: readonly string[],
	project: Project,
	env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: project.root,
			env: childEnv(project, env),
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		child.stdout.on("data", (chunk: Buffer) => {
			output += chunk.toString();
			process.stdout.write(chunk);
		});
		child.stderr.on("data", (chunk: Buffer) => {
			output += chunk.toString();
			process.stderr.write(chunk);
		});
		child.once("error", reject);
		child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
	});
}

/** Runs wrangler (see `wranglerPath`) to completion. */
export function runWrangler(project: Project, args: readonly string[]): Promise<RunResult> {
	return run(process.execPath, [wranglerPath(project), ...args], project);
}

/** The project's own WebAssembly build (this repository has one; a project made by `init` has none). */
const WASM_BUILD = "scripts/build-wasm.mjs";

/** Whether the project builds WebAssembly guests (`buildWasm` does nothing otherwise). */
export function hasWasmBuild(project: Project): boolean {
	return existsSync(project.path(WASM_BUILD));
}

export interface WasmBuild {
	/** Fail on a missing toolchain (build, deploy); otherwise (dev) leave a placeholder that refuses clients with the reason. */
	readonly strict?: boolean;
	/** Every step of the build, not one line per service. */
	readonly verbose?: boolean;
}

/**
 * Runs scripts/build-wasm.mjs for the deployment's services (build/wasm); the test fixtures
 * are built only for the tests (`npm test`, `npm run build:test`).
 */
export async function buildWasm(project: Project, options: WasmBuild = {}): Promise<void> {
	const script = project.path(WASM_BUILD);
	if (!existsSync(script)) return meterImported(project);
	const args = [script, ...(options.strict ? ["--strict"] : []), ...(options.verbose ? ["--verbose"] : [])];
	const { code } = await run(process.execPath, args, project);
	if (code !== 0) {
		throw new CliError(
			`Building the WebAssembly guests failed (scripts/build-wasm.mjs exited with ${code}); its output is above.`,
			"Fix the error it reports (a compile error, or a missing toolchain it names), then run the command again.",
		);
	}
}

/**
 * A project without this repository's build (one made by `stateroom init`): meters, in place, the
 * WebAssembly modules its services import (built elsewhere: Rust's stateroom-wasm, C,
 * AssemblyScript), as the build's last step does here; the host refuses unmetered modules. Says
 * nothing when there are none.
 */
async function meterImported(project: Project): Promise<void> {
	useProjectMeterKey(project);
	const imported = await import("../scripts/build/imported.mjs");
	const folder = dirname(project.services);
	try {
		await imported.build({
			root: project.root,
			folder: folder === "." ? "" : folder,
			module: (path, status) => info(`${path}: ${status}`),
		});
	} catch (error) {
		const message = errorMessage(error);
		if (/cannot load the npm package "binaryen"/.test(message)) {
			throw new CliError(
				'The services import WebAssembly modules, which are metered first, with the npm package "binaryen", which this project does not have.',
				"Run `npm install --save-dev binaryen`, then run the command again.",
			);
		}
		throw new CliError(
			`Metering the WebAssembly modules the services import failed: ${message}`,
			"Import the module as its compiler wrote it (not a copy metered by another project), then run the command again.",
		);
	}
}

/**
 * The meter keeps its private key in the project's .stateroom/ (scripts/build/meter-key.mjs reads
 * this when it is first imported), not in the installed package, where a reinstall would lose it.
 */
export function useProjectMeterKey(project: Project): void {
	process.env.STATEROOM_PROJECT_ROOT ||= project.root;
}

/** Resolves once `port` on `host` can be listened on; throws a clear error when it is taken. */
export async function ensurePortFree(port: number, host: string, retry: string): Promise<void> {
	const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
		const server = createServer();
		server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
		server.listen(port, host, () => server.close(() => resolve(undefined)));
	});
	if (error?.code === "EADDRINUSE") {
		throw new CliError(
			`Port ${port} on ${host} is already in use by another program.`,
			`Stop that program, or pick another port: \`${retry}\`.`,
		);
	}
	if (error) {
		throw new CliError(`Cannot listen on ${host}:${port}: ${error.message}.`, "Pick another port (1024-65535).");
	}
}
