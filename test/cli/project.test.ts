/**
 * How the CLI finds a project by its configuration (cli/project.ts): the wrangler config in any
 * of its three forms, the entry module it names, the services module that module hands to
 * `createStateroom`, the prefix it mounts Stateroom under, and package.json's `stateroom` section.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../../cli/errors.ts";
import { findProject, listServices } from "../../cli/project.ts";

let root: string | undefined;

function project(files: Record<string, string>): string {
	root = mkdtempSync(join(tmpdir(), "stateroom-project-"));
	for (const [path, text] of Object.entries(files)) {
		mkdirSync(dirname(join(root, path)), { recursive: true });
		writeFileSync(join(root, path), text);
	}
	return root;
}

afterEach(() => {
	if (root) rmSync(root, { recursive: true, force: true });
	root = undefined;
});

const SERVICES = `import { defineServices } from "stateroom";
import { Chat } from "./chat.ts";
import { wasmServices } from "./wasm.ts";

export default defineServices({
	default: "chat",
	services: {
		chat: Chat,
		"game-room": Chat, // a comment
		...wasmServices,
	},
});
`;

describe("finding the project by its configuration", () => {
	it("reads wrangler.jsonc (comments, trailing commas) and follows main to the services module it imports", () => {
		const dir = project({
			"package.json": "{}",
			"wrangler.jsonc": `{
	// The Worker
	"name": "app", /* inline */
	"main": "./worker/index.ts",
	"compatibility_date": "2026-01-02",
	"vars": { "URL": "http://example.com/a//b" },
}`,
			"worker/index.ts": `import { Hono } from "hono";
import { createStateroom } from "stateroom";
import registry from "../rooms/registry.ts";
const stateroom = createStateroom(registry, { prefix: "/live/" });
export default new Hono();
`,
			"rooms/registry.ts": SERVICES,
			"rooms/wasm.ts": `export const wasmServices: Record<string, ServiceDefinition> = { "rust-echo": echo };`,
		});
		const found = findProject(join(dir, "rooms"));
		expect(found.root).toBe(dir);
		expect(found.config).toBe("wrangler.jsonc");
		expect(found.main).toBe("worker/index.ts");
		expect(found.compatibilityDate).toBe("2026-01-02");
		expect(found.services).toBe("rooms/registry.ts");
		expect(found.prefix).toBe("/live");
		expect(found.tests).toBe("test");
		expect(listServices(found)).toEqual({ default: "chat", names: ["chat", "game-room", "rust-echo"] });
	});

	it("takes the services module and tests folder from package.json's stateroom section", () => {
		const dir = project({
			"package.json": JSON.stringify({ stateroom: { services: "./src/all.ts", tests: "spec/rooms/" } }),
			"wrangler.toml": 'name = "x"\nmain = "src/worker.ts"\n\n[vars]\nmain = "not this"\n',
			"src/worker.ts": 'import services from "./other.ts";\nexport default createStateroom(services).worker;\n',
			"src/all.ts": SERVICES,
		});
		const found = findProject(dir);
		expect(found.main).toBe("src/worker.ts");
		expect(found.services).toBe("src/all.ts");
		expect(found.tests).toBe("spec/rooms");
		expect(found.prefix).toBe("");
	});

	it("takes the entry module itself when it calls defineServices, and test/worker/ when it exists", () => {
		const dir = project({
			"package.json": "{}",
			"wrangler.json": JSON.stringify({ main: "worker.ts" }),
			"worker.ts": `export default createStateroom(defineServices({ default: "a", services: { a: A } })).worker;`,
			"test/worker/.keep": "",
		});
		const found = findProject(dir);
		expect(found.services).toBe("worker.ts");
		expect(found.tests).toBe("test/worker");
		expect(listServices(found).names).toEqual(["a"]);
	});

	it("says how to start a project when there is none, and what is wrong with a config it cannot read", () => {
		const dir = project({ "package.json": "{}" });
		expect(() => findProject(dir)).toThrow(CliError);
		expect(() => findProject(dir)).toThrow(/No Stateroom project in .* \(no folder with both a wrangler config/);
		writeFileSync(join(dir, "wrangler.json"), '{ "main": ');
		expect(() => findProject(dir)).toThrow(/wrangler\.json is not valid JSON/);
	});
});
