/** `npm run build:demo`: bundles the demo and operator pages' scripts, as `stateroom dev` and `build` do. */
import { ADMIN_BUNDLE, bundleDemo, DEMO_BUNDLE } from "./demo.ts";
import { CliError } from "./errors.ts";
import { failure, info } from "./output.ts";
import { findProject } from "./project.ts";

try {
	await bundleDemo(findProject());
	info(`demo and operator pages bundled into ${DEMO_BUNDLE} and ${ADMIN_BUNDLE}`);
} catch (error) {
	if (!(error instanceof CliError)) throw error;
	failure(error);
	process.exitCode = 1;
}
