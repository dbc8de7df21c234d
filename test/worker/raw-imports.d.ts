/** Vite's `?raw` imports: a file's text, e.g. docs/abi.md read by the codec test. */
declare module "*?raw" {
	const text: string;
	export default text;
}
