/** What the worker suite's global setup (test/setup/publish-uploads.ts) hands the tests. */
import "vitest";

declare module "vitest" {
	export interface ProvidedContext {
		/** Upload bodies by name, base64: WebAssembly modules and bundled TypeScript services. */
		publishUploads: Record<string, string>;
	}
}
