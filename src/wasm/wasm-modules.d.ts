/**
 * `import mod from "./x.wasm"` yields a compiled module: wrangler's CompiledWasm rule (and the
 * Vitest integration's) compiles it at deploy time, since workerd cannot compile bytes at run time.
 */
declare module "*.wasm" {
	const module: WebAssembly.Module;
	export default module;
}
