/**
 * Bundles the demo page's script (public/src/demo.ts, which uses the client library in client/)
 * for the browser with esbuild, into public/demo.js. The bundle is generated, never committed.
 */
import { existsSync } from "node:fs";
import { CliError } from "./errors.ts";
import { run } from "./processes.ts";
import type { Project } from "./project.ts";

export const DEMO_SOURCE = "public/src/demo.ts";
export const DEMO_BUNDLE = "public/demo.js";

/** Builds the bundle; does nothing in a project without a demo page. */
export async function bundleDemo(project: Project): Promise<void> {
	if (!existsSync(project.path(DEMO_SOURCE))) return;
	const esbuild = project.path("node_modules/.bin/esbuild");
	if (!existsSync(esbuild)) {
		throw new CliError(
			`esbuild is missing (${esbuild}); it is one of the project's devDependencies.`,
			`Run \`npm install\` in ${project.root}, then try again.`,
		);
	}
	const { code } = await run(
		esbuild,
		[
			DEMO_SOURCE,
			"--bundle",
			"--format=esm",
			"--target=es2022",
			"--minify",
			"--sourcemap",
			`--outfile=${DEMO_BUNDLE}`,
			"--log-level=warning",
		],
		project,
	);
	if (code !== 0) {
		throw new CliError(
			`Bundling the demo page (${DEMO_SOURCE}) failed; esbuild's message is above.`,
			"Fix the error esbuild reports in public/src or client/, then run the command again.",
		);
	}
}
