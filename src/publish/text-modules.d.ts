/**
 * `import text from "./x.txt"` yields the file's text: wrangler's Text rule (and the Vitest
 * integration's) reads it at build time. The guest runtime comes in this way (loader.ts).
 */
declare module "*.txt" {
	const text: string;
	export default text;
}
