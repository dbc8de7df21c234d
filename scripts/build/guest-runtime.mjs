/**
 * Bundles the guest runtime (src/guest/runtime.ts: the library's engines as they run
 * inside a published service's isolate) into one ES module, written as text to
 * build/publish/guest-runtime.txt, which the host imports and hands to the Worker Loader with
 * every published service (src/publish/loader.ts). The two WebAssembly modules the engines
 * import (the meter's public key and the signature probe) stay imports: the host passes its own
 * compiled copies, as a Worker cannot compile WebAssembly from bytes at run time.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { writeIfChanged } from "./freshness.mjs";

export const name = "guest runtime (published services)";

const OUT = "build/publish/guest-runtime.txt";
const WASM_IMPORTS = { "meter-key.wasm": "./meter-key.wasm", "signature-probe.wasm": "./signature-probe.wasm" };

export async function build({ root, module, log }) {
	const result = await esbuild({
		entryPoints: [join(root, "src/guest/runtime.ts")],
		// Paths in the bundle's comments are relative to the project: the same bytes from any checkout.
		absWorkingDir: root,
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2022",
		write: false,
		minify: false,
		legalComments: "none",
		external: ["cloudflare:*"],
		plugins: [
			{
				name: "host-wasm",
				setup(build) {
					build.onResolve({ filter: /\.wasm$/ }, (args) => {
						const file = args.path.split("/").pop();
						const path = WASM_IMPORTS[file];
						if (!path) throw new Error(`the guest runtime imports ${args.path}, which the host does not provide`);
						return { path, external: true };
					});
				},
			},
		],
	});
	const [output] = result.outputFiles;
	mkdirSync(join(root, "build/publish"), { recursive: true });
	const written = writeIfChanged(join(root, OUT), output.contents);
	(written ? module : log)(OUT, written ? "bundled" : "unchanged");
}
