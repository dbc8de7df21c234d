/**
 * What each entry point of the client pulls in, as a bundler sees it (esbuild, the packages
 * left external): `stateroom/client` imports no package at all, so a user who never touches
 * the React hook gets no React; `stateroom/client/react` imports React and nothing else.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const CLIENT = fileURLToPath(new URL("../../client/", import.meta.url));

/** The packages (bare imports) and the files an entry point reaches. */
async function importGraph(entry: string): Promise<{ packages: string[]; files: string[] }> {
	const result = await build({
		entryPoints: [`${CLIENT}${entry}`],
		bundle: true,
		packages: "external",
		platform: "neutral",
		format: "esm",
		write: false,
		metafile: true,
		logLevel: "silent",
	});
	const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
	return {
		packages: [...new Set(imports.filter((i) => i.external).map((i) => i.path))].sort(),
		files: Object.keys(result.metafile.inputs)
			.map((file) => file.replace(/^.*client\//, ""))
			.sort(),
	};
}

describe("the client's import graph", () => {
	it("stateroom/client reaches no package: not React, nor anything else", async () => {
		const graph = await importGraph("index.ts");
		expect(graph.packages).toEqual([]);
		expect(graph.files).not.toContain("react.ts");
	});

	it("stateroom/client/react reaches React, and only React", async () => {
		const graph = await importGraph("react.ts");
		expect(graph.packages).toEqual(["react"]);
	});
});
