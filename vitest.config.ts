import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Three suites: `worker` runs inside workerd through the Workers Vitest integration (rooms,
 * routes, eviction); `sdk` runs the AssemblyScript SDK's modules in Node against the ABI;
 * `e2e` runs in Node against a real `wrangler dev` with real WebSocket clients.
 */
export default defineConfig({
	test: {
		projects: [
			{
				plugins: [cloudflareTest({ main: "./test/worker/entry.ts", wrangler: { configPath: "./wrangler.toml" } })],
				test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
			},
			{
				test: { name: "sdk", include: ["test/sdk/**/*.test.ts"], environment: "node" },
			},
			{
				test: { name: "client", include: ["test/client/**/*.test.ts"], environment: "node" },
			},
			{
				test: {
					name: "e2e",
					include: ["test/e2e/**/*.test.ts"],
					environment: "node",
					testTimeout: 30_000,
					hookTimeout: 90_000,
				},
			},
		],
	},
});
