import { availableParallelism } from "node:os";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Worker secrets of the worker suite; tests read them from `env` to sign join tokens. */
const TEST_SECRETS = {
	STATEROOM_TOKEN_SECRET: "test-secret-for-join-tokens-0123456789abcdef",
	TEST_OTHER_SECRET: "another-test-secret-for-service-b-0123456789",
};

/**
 * Seven suites: `worker` runs inside workerd through the Workers Vitest integration (rooms,
 * routes, eviction, the WebAssembly host); `mounted` runs a second Worker in workerd, an app that mounts
 * Stateroom under a prefix with binding names of its own; `sdk` runs the AssemblyScript SDK's modules in Node
 * against the ABI; `client` unit-tests the client library's logic; `cli` runs the command line in process (arguments, help, output filters); `architecture` checks the layering of src/; `e2e` runs in Node against
 * real `wrangler dev` processes with real WebSocket clients, the CLI and headless Chromium.
 */
export default defineConfig({
	test: {
		// Test files at once, across all suites. Vitest's default leaves a core free (one file at a
		// time on two cores), but most of an end-to-end file's time is spent waiting on wrangler,
		// workerd and Chromium, and every file here gets a fresh workerd or process of its own: two
		// at a time is what makes `npm test` take minutes rather than twice as many on two cores.
		maxWorkers: Math.max(2, availableParallelism() - 1),
		projects: [
			{
				plugins: [
					cloudflareTest({
						main: "./test/worker/entry.ts",
						wrangler: { configPath: "./wrangler.toml" },
						// The join-token secrets of the access tests (test/worker/access.test.ts) and the
						// admin API's secret (a Worker secret in production), so their tests can call them.
						miniflare: {
							bindings: { ...TEST_SECRETS, STATEROOM_ADMIN_SECRET: "test-admin-secret" },
							// The network an operator may grant a published service (test/worker/publish-isolation.test.ts).
							serviceBindings: {
								TEST_NETWORK: (request: Request) =>
									new Response(`granted ${new URL(request.url).hostname}`, { status: 203 }),
							},
						},
					}),
				],
				test: {
					name: "worker",
					include: ["test/worker/**/*.test.ts"],
					// What the publishing tests upload (test/setup/publish-uploads.ts).
					globalSetup: ["test/setup/publish-uploads.ts"],
					// Type tests are checked by tsc as well as run: a wrong type fails `npm test`.
					typecheck: {
						enabled: true,
						include: ["test/worker/api-types.test.ts"],
						tsconfig: "test/worker/tsconfig.json",
					},
				},
			},
			{
				// A second Worker: Stateroom mounted inside an app of its own, under a prefix, with
				// binding names of its own (test/fixtures/mounted-worker/).
				plugins: [
					cloudflareTest({
						main: "./test/fixtures/mounted-worker/worker.ts",
						wrangler: { configPath: "./test/fixtures/mounted-worker/wrangler.toml" },
						miniflare: {
							// Loopback names only, as under `stateroom dev`: the Host check is on.
							bindings: { STATEROOM_ADMIN_SECRET: "mounted-admin-secret", STATEROOM_ALLOWED_HOSTS: "" },
						},
					}),
				],
				test: { name: "mounted", include: ["test/mounted/**/*.test.ts"] },
			},
			{
				test: { name: "sdk", include: ["test/sdk/**/*.test.ts"], environment: "node" },
			},
			{
				test: {
					name: "client",
					include: ["test/client/**/*.test.ts"],
					environment: "node",
					typecheck: { enabled: true, include: ["test/client/types.test.ts"], tsconfig: "test/client/tsconfig.json" },
				},
			},
			{
				test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node" },
			},
			{
				test: { name: "architecture", include: ["test/architecture/**/*.test.ts"], environment: "node" },
			},
			{
				test: {
					name: "e2e",
					include: ["test/e2e/**/*.test.ts"],
					// Bundles the pages once, and runs one wrangler dev shared by the files that only talk to
					// it (shared-server.ts). Files run side by side, with each other and with the other
					// suites: a file that stops or restarts a server starts its own (dev-server.ts), and one
					// that writes into the project works in a copy (project-copy.ts).
					globalSetup: ["test/e2e/global-setup.ts"],
					environment: "node",
					testTimeout: 30_000,
					hookTimeout: 90_000,
				},
			},
		],
	},
});
