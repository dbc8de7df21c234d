/** `stateroom deploy`: `stateroom build`, then `wrangler deploy` to your Cloudflare account. */
import type { Command } from "../command.ts";
import { CliError } from "../errors.ts";
import { info } from "../output.ts";
import { runWrangler, wranglerPath } from "../processes.ts";
import { findProject } from "../project.ts";
import { buildAll } from "./build.ts";

/** What wrangler says when it has no credentials (interactive and CI wordings). */
const NOT_LOGGED_IN = /CLOUDFLARE_API_TOKEN|not logged in|wrangler login|Authentication error|\[code: 10000\]/i;

export const deploy: Command = {
	name: "deploy",
	summary: "Build, then deploy to Cloudflare with wrangler deploy",
	help: `Usage: stateroom deploy [options] [-- <wrangler deploy arguments>]

Runs \`stateroom build\` (WebAssembly guests, demo page, Worker bundle and size report), then
\`wrangler deploy\`, which uploads the Worker, its modules and the demo page to your account.

Log in once first with \`npx wrangler login\`; in CI, set CLOUDFLARE_API_TOKEN (and
CLOUDFLARE_ACCOUNT_ID) instead.

Options:
  --dry-run         Build and bundle everything (as \`stateroom build\`), upload nothing
  --verbose         Print every build step (default: one line per service)
  -h, --help        Show this help

Everything after \`--\` goes to \`wrangler deploy\` unchanged, e.g. \`-- --env staging\`.

Examples:
  npx stateroom deploy
  npx stateroom deploy --dry-run`,

	options: { verbose: { type: "boolean" }, "dry-run": { type: "boolean" } },
	positionals: 0,

	async run(parsed) {
		const project = findProject();
		wranglerPath(project);
		await buildAll(project, [], parsed.values.verbose === true);
		if (parsed.values["dry-run"] === true) {
			info("dry run: the Worker is bundled and measured above; nothing was uploaded");
			return 0;
		}
		info("deploying with wrangler deploy...");
		const { code, output } = await runWrangler(project, ["deploy", ...parsed.passthrough]);
		if (code === 0) {
			info("deployed");
			return 0;
		}
		if (NOT_LOGGED_IN.test(output)) {
			throw new CliError(
				"wrangler deploy failed: it has no Cloudflare credentials.",
				"Run `npx wrangler login` once (or, in CI, set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID), then `npx stateroom deploy` again.",
			);
		}
		throw new CliError(
			`wrangler deploy failed (exit code ${code}); its output is above.`,
			"Fix the error it reports, then run `npx stateroom deploy` again.",
		);
	},
};
