/**
 * Global setup of the worker suite (runs in Node, so it lives outside test/worker/): what the publishing tests upload, read from
 * build/ and bundled from test/fixtures/published/ with the CLI's own bundler, handed to the
 * tests in workerd (which cannot read files) with `provide`.
 */
import { readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { bundleService } from "../../cli/service-bundle.ts";

const WASM = [
	"rust-counter",
	"rust-echo",
	"rust-clock",
	"rust-randomness",
	"rust-binary-echo",
	"c-counter",
	"c-echo",
	"as-counter",
	"as-echo",
	"as-clock",
	"rust-whoami",
	"rust-cpu-hog",
];
const FIXTURES = ["unmetered", "forged"];
const SERVICES = ["counter", "counter-v2", "patcher", "fetcher", "no-class", "hangs"];

export default async function setup(project: TestProject): Promise<void> {
	const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
	const uploads: Record<string, string> = {};
	for (const name of WASM) uploads[name] = base64(readFileSync(`build/wasm/${name}.wasm`));
	for (const name of FIXTURES) uploads[name] = base64(readFileSync(`build/fixtures/${name}.wasm`));
	for (const name of SERVICES)
		uploads[`ts-${name}`] = base64(await bundleService(`test/fixtures/published/${name}.ts`));
	project.provide("publishUploads", uploads);
}
