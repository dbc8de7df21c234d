/**
 * Bundles the pages' scripts for the browser with esbuild: the demo page's (public/src/demo.ts,
 * which uses the client library in client/) into public/demo.js, and the operator page's
 * (public/admin/src/admin.ts) into public/admin/admin.js. Bundles are generated, never committed.
 */
import { existsSync } from "node:fs";
import { CliError } from "./errors.ts";
import { run } from "./processes.ts";
import type { Project } from "./project.ts";

export const DEMO_SOURCE = "public/src/demo.ts";
export const DEMO_BUNDLE = "public/demo.js";
export const ADMIN_SOURCE = "public/admin/src/admin.ts";
export const ADMIN_BUNDLE = "public/admin/admin.js";

/** Whether the project has a page to bundle (`bundleDemo` does nothing otherwise). */
export function hasPages(project: Project): boolean {
	return [DEMO_SOURCE, ADMIN_SOURCE].some((source) => existsSync(project.path(source)));
}

/** Builds the bundles; skips a page the project does not have. */
export async function bundleDemo(project: Project): Promise<void> {
	await bundle(project, DEMO_SOURCE, DEMO_BUNDLE);
	await bundle(project, ADMIN_SOURCE, ADMIN_BUNDLE);
}

async function bundle(project: Project, source: string, output: string): Promise<void> {
	if (!existsSync(project.path(source))) return;
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
			source,
			"--bundle",
			"--format=esm",
			"--target=es2022",
			"--minify",
			"--sourcemap",
			`--outfile=${output}`,
			"--log-level=warning",
		],
		project,
	);
	if (code !== 0) {
		throw new CliError(
			`Bundling ${source} failed; esbuild's message is above.`,
			"Fix the error esbuild reports (in public/src, public/admin/src or client/), then run the command again.",
		);
	}
}
