/** `npm run build:demo`: bundles the demo page's script, as `stateroom dev` and `build` do. */
import { bundleDemo, DEMO_BUNDLE } from "./demo.ts";
import { CliError } from "./errors.ts";
import { failure, info } from "./output.ts";
import { findProject } from "./project.ts";

try {
	await bundleDemo(findProject());
	info(`demo page bundled into ${DEMO_BUNDLE}`);
} catch (error) {
	if (!(error instanceof CliError)) throw error;
	failure(error);
	process.exitCode = 1;
}
