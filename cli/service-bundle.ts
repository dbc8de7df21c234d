/**
 * Bundles a TypeScript service for publishing: one ES module, its imports included, with
 * `stateroom` left to the deployment (the guest runtime it loads next to the module, see
 * src/publish/loader.ts), so the service runs against the deployment's own service API.
 */

/** Where the loaded Worker keeps the guest runtime, which the bundle imports as `stateroom`. */
const RUNTIME_MODULE = "./stateroom.js";

export async function bundleService(entry: string): Promise<Uint8Array<ArrayBuffer>> {
	// Imported when needed: only publishing a TypeScript service bundles (wrangler brings esbuild).
	const { build } = await import("esbuild");
	const result = await build({
		entryPoints: [entry],
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2022",
		write: false,
		legalComments: "none",
		logLevel: "silent",
		mainFields: ["module", "main"],
		conditions: ["workerd", "worker", "browser"],
		plugins: [
			{
				name: "stateroom-from-the-host",
				setup(builder) {
					builder.onResolve({ filter: /^stateroom$/ }, () => ({ path: RUNTIME_MODULE, external: true }));
					builder.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, external: true }));
				},
			},
		],
	});
	const [output] = result.outputFiles;
	if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
	return new Uint8Array(output.contents);
}
