#!/usr/bin/env node
/**
 * The `stateroom` command. This shim is plain JavaScript so that any Node can say clearly what
 * it needs. In the npm package the CLI is compiled to JavaScript (cli/main.js, next to this file)
 * and runs on Node 20 or later; in a clone of the repository it is TypeScript (cli/main.ts), run
 * by Node 22's built-in type stripping.
 */
import { existsSync } from "node:fs";

const compiled = new URL("./main.js", import.meta.url);
if (!existsSync(compiled) && !process.features?.typescript) {
	process.stderr.write(
		`[stateroom] error: this Node (${process.version}) cannot run TypeScript; stateroom needs Node 22.18 or newer.\n` +
			"[stateroom] fix: run it through npm (`npx stateroom ...` or `npm run dev`) after `npm install`: the\n" +
			"           project brings its own Node 22 in node_modules/.bin, and npm puts it first on the PATH.\n",
	);
	process.exit(1);
}
const { main } = await import(existsSync(compiled) ? compiled.href : "./main.ts");
process.exitCode = await main(process.argv.slice(2));
