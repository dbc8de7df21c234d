/** `stateroom build`: bundle the Worker and every module into dist/ and report its size. */
import { rmSync } from "node:fs";
import type { Command } from "../command.ts";
import { bundleDemo, hasPages } from "../demo.ts";
import { CliError } from "../errors.ts";
import { step } from "../output.ts";
import { buildWasm, hasWasmBuild, runWrangler, wranglerPath } from "../processes.ts";
import { findProject, type Project } from "../project.ts";
import { measure, printReport, type SizeReport } from "../size.ts";

export const OUT_DIR = "dist";

export const build: Command = {
	name: "build",
	summary: "Bundle the Worker and all modules into dist/ and report the size",
	help: `Usage: stateroom build [options] [-- <wrangler deploy arguments>]

Builds every service (the WebAssembly guests and the demo page), then bundles the Worker and
all its modules into ${OUT_DIR}/ without deploying (\`wrangler deploy --dry-run --outdir ${OUT_DIR}\`),
and reports the upload's size, raw and gzip-compressed, against the Worker size limits:
3 MiB compressed on the Workers Free plan, 10 MiB on Workers Paid.

Options:
  -h, --help        Show this help

Everything after \`--\` goes to \`wrangler deploy --dry-run\` unchanged.

Example:
  npx stateroom build`,

	options: { verbose: { type: "boolean" } },
	positionals: 0,

	async run(parsed) {
		const project = findProject();
		await buildAll(project, parsed.passthrough, parsed.values.verbose === true);
		return 0;
	},
};

/** Everything `build` does; `deploy` runs it first. */
export async function buildAll(
	project: Project,
	passthrough: readonly string[] = [],
	verbose = false,
): Promise<SizeReport> {
	wranglerPath(project);
	// Strict: a bundle for deploying must not hold placeholders for guests that were not built.
	if (hasWasmBuild(project)) {
		await step("building WebAssembly guests", () => buildWasm(project, { strict: true, verbose }));
	} else await buildWasm(project);
	if (hasPages(project)) await step("bundling the demo page", () => bundleDemo(project));
	await step(`bundling the Worker into ${OUT_DIR}/`, async () => {
		rmSync(project.path(OUT_DIR), { recursive: true, force: true });
		const { code } = await runWrangler(project, ["deploy", "--dry-run", "--outdir", OUT_DIR, ...passthrough]);
		if (code !== 0) {
			throw new CliError(
				`wrangler could not bundle the Worker (exit code ${code}); its output is above.`,
				"Fix the error it reports (usually a TypeScript import or a wrangler.toml setting), then run `npx stateroom build` again.",
			);
		}
	});
	const report = measure(project.path(OUT_DIR));
	printReport(report, OUT_DIR);
	return report;
}
