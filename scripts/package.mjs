#!/usr/bin/env node
/**
 * `npm run package`: builds the npm package `stateroom` in a staging folder, build/package/, and
 * packs it into build/stateroom-<version>.tgz (`--no-pack`: the folder only; `--out <dir>`: the
 * tarball goes there instead).
 *
 * One package with subpath exports, not a workspace of three: the library (`stateroom`), the
 * client (`stateroom/client`, `stateroom/client/react`) and the CLI (bin `stateroom`) share the
 * naming rules, close codes and token format, and are released together, so one version number
 * says which go together. The client imports nothing of the library and React only in its own
 * subpath, so a browser bundle of `stateroom/client` holds the client alone.
 *
 * The staging folder mirrors this repository's layout (src/, client/, cli/, scripts/build/,
 * build/wasm/), compiled by tsc: JavaScript with `.js` imports (rewriteRelativeImportExtensions)
 * and type declarations beside it. Keeping the layout keeps every relative import valid as it
 * is, the library's `.wasm` imports and the CLI's import of the meter included. Only what the
 * package needs goes in: no services, tests, examples or development scripts.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// The development tools of a project made by `stateroom init`, written once there (Node 22 runs .ts).
import { TOOLS as INIT_TOOLS } from "../cli/init/project-files.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stage = join(root, "build/package");
const configs = join(root, "build/package-tsc");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const say = (line) => process.stdout.write(`[package] ${line}\n`);

/** The programs to compile, each with its own tsconfig (its lib and types); the library last, so its declarations win. */
const PROGRAMS = [
	{ name: "cli", extends: "cli/tsconfig.json", include: ["cli/**/*.ts"], exclude: ["cli/build-demo.ts"] },
	{ name: "client", extends: "client/tsconfig.json", include: ["client/**/*.ts"] },
	// The guest runtime (src/guest/) ships bundled, as build/publish/guest-runtime.txt.
	{ name: "library", extends: "tsconfig.json", include: ["src/**/*.ts"], exclude: ["src/guest/**"] },
];

/** Plain JavaScript modules the compiled code imports, copied as they are (with their declarations). */
const COPIED = [
	"cli/bin.mjs",
	"src/wasm/meter-contract.mjs",
	"src/wasm/meter-contract.d.mts",
	// The meter, for `stateroom serve`: it meters a module before serving it.
	"scripts/build/meter.mjs",
	"scripts/build/meter.d.mts",
	"scripts/build/dirty-pages.mjs",
	"scripts/build/meter-key.mjs",
	"scripts/build/wasm-binary.mjs",
	// And its step that meters, in place, the modules a project's services import.
	"scripts/build/imported.mjs",
	"scripts/build/imported.d.mts",
	"scripts/build/placeholder.mjs",
	"README.md",
	"LICENSE-MIT",
	"LICENSE-APACHE",
	"NOTICE",
];

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
mkdirSync(configs, { recursive: true });

for (const program of PROGRAMS) {
	const started = Date.now();
	const config = join(configs, `${program.name}.json`);
	writeFileSync(
		config,
		JSON.stringify({
			extends: join(root, program.extends),
			compilerOptions: {
				noEmit: false,
				declaration: true,
				rewriteRelativeImportExtensions: true,
				rootDir: root,
				outDir: stage,
				removeComments: false,
			},
			include: program.include.map((pattern) => join(root, pattern)),
			exclude: (program.exclude ?? []).map((pattern) => join(root, pattern)),
		}),
	);
	try {
		execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", config], {
			cwd: root,
			stdio: "inherit",
		});
	} catch {
		fail(`tsc could not compile the ${program.name} (its errors are above)`);
	}
	say(`compiled the ${program.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

for (const file of COPIED) copy(file);
cpSync(join(root, "docs"), join(stage, "docs"), { recursive: true });

// The host's signature probe, built from src/wasm/signature-probe.wat by `npm run build:wasm`.
const probe = "build/wasm/signature-probe.wasm";
if (!existsSync(join(root, probe))) {
	say(`${probe} is missing: running npm run build:wasm...`);
	execFileSync(process.execPath, [join(root, "scripts/build-wasm.mjs")], { cwd: root, stdio: "inherit" });
}
copy(probe);
// The guest runtime that published services run with (src/guest/), bundled by `npm run build:wasm`.
const guestRuntime = "build/publish/guest-runtime.txt";
if (!existsSync(join(root, guestRuntime))) {
	say(`${guestRuntime} is missing: running npm run build:wasm...`);
	execFileSync(process.execPath, [join(root, "scripts/build-wasm.mjs")], { cwd: root, stdio: "inherit" });
}
copy(guestRuntime);
// The meter's public key module, without a key: each project's own key is written into it by
// the CLI when it meters a module (`stateroom serve`); until then, a metered module is refused
// with a message that says so. Never this repository's key: nothing should vouch for modules
// metered here.
writeFileSync(join(stage, "build/wasm/meter-key.wasm"), Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));

writeFileSync(join(stage, "package.json"), `${JSON.stringify(packageManifest(), null, 2)}\n`);
say(`staged ${manifest.name}@${manifest.version} in build/package/`);

if (!process.argv.includes("--no-pack")) {
	const outIndex = process.argv.indexOf("--out");
	const out = outIndex === -1 ? join(root, "build") : process.argv[outIndex + 1];
	if (!out) fail("--out needs a folder");
	mkdirSync(out, { recursive: true });
	const output = execFileSync("npm", ["pack", stage, "--pack-destination", out, "--json"], {
		cwd: root,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "inherit"],
	});
	const [packed] = JSON.parse(output);
	say(`packed ${join(out, packed.filename)} (${(packed.size / 1024).toFixed(0)} KiB, ${packed.entryCount} files)`);
}

function copy(file) {
	const to = join(stage, file);
	mkdirSync(dirname(to), { recursive: true });
	copyFileSync(join(root, file), to);
}

/** The published package.json: this repository's, with the exports pointing at JavaScript and no development fields. */
function packageManifest() {
	// Each of this repository's exports (TypeScript sources) as its compiled module and declarations.
	const exports = Object.fromEntries(
		Object.entries(manifest.exports).map(([subpath, source]) => {
			const path = source.replace(/\.ts$/, "");
			return [subpath, { types: `${path}.d.ts`, default: `${path}.js` }];
		}),
	);
	return {
		name: manifest.name,
		version: manifest.version,
		description:
			"Small, stateful, real-time services on Cloudflare Workers: a room per URL, Durable Objects underneath.",
		license: "MIT OR Apache-2.0",
		type: "module",
		bin: { stateroom: "cli/bin.mjs" },
		exports: { ...exports, "./package.json": "./package.json" },
		types: "./src/public.d.ts",
		engines: { node: ">=20" },
		dependencies: manifest.dependencies,
		peerDependencies: { ...manifest.peerDependencies, binaryen: manifest.devDependencies.binaryen },
		peerDependenciesMeta: { ...manifest.peerDependenciesMeta, binaryen: { optional: true } },
		// The tools `stateroom init` writes into a new project, at the versions this one is tested with.
		stateroomInit: { devDependencies: pick(manifest.devDependencies, INIT_TOOLS) },
		keywords: ["cloudflare", "workers", "durable-objects", "websocket", "realtime", "stateroom", "webassembly"],
	};
}

function pick(record, keys) {
	return Object.fromEntries(keys.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
}

function fail(message) {
	process.stderr.write(`[package] error: ${message}\n`);
	process.exit(1);
}
