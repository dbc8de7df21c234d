/**
 * The files `stateroom init` writes: a project of one's own, laid out like this repository's
 * deployment (an entry module, a services module, a service, a test in workerd), that depends on
 * the `stateroom` package the way any user's project does.
 */
import { testSocketHelper } from "../templates.ts";

export interface InitNames {
	/** The package name (package.json) and the Worker's name (wrangler.toml). */
	readonly name: string;
	/** The `stateroom` dependency: a version range, or a tarball or folder for an unreleased build. */
	readonly stateroom: string;
	/** Versions of the development tools, as this version of Stateroom is tested with them. */
	readonly tools: Readonly<Record<string, string>>;
	/** The Workers compatibility date. */
	readonly compatibilityDate: string;
}

/** The development tools a project needs, in package.json's order. */
export const TOOLS = [
	"@cloudflare/vitest-plugin",
	"@cloudflare/workers-types",
	"node",
	"typescript",
	"vitest",
	"wrangler",
] as const;

/** The files, by project-relative path. */
export function projectFiles(names: InitNames, secrets: { token: string; admin: string }): Record<string, string> {
	return {
		"package.json": packageJson(names),
		"wrangler.toml": wranglerToml(names),
		"tsconfig.json": TSCONFIG,
		"vitest.config.ts": VITEST_CONFIG,
		"src/worker.ts": WORKER,
		"services/index.ts": SERVICES,
		"services/counter.ts": COUNTER,
		"services/wasm.d.ts": WASM_TYPES,
		"test/counter.test.ts": COUNTER_TEST,
		"test/socket.ts": testSocketHelper(),
		"README.md": readme(names),
		".gitignore": GITIGNORE,
		// Development secrets only (gitignored): `stateroom token` signs join tokens with the first,
		// `stateroom rooms` and `room` use the second; a deployment sets its own with `wrangler secret put`.
		".dev.vars": `STATEROOM_TOKEN_SECRET=${secrets.token}\nSTATEROOM_ADMIN_SECRET=${secrets.admin}\n`,
	};
}

function packageJson({ name, stateroom, tools }: InitNames): string {
	const devDependencies = Object.fromEntries(TOOLS.map((tool) => [tool, tools[tool] ?? "*"]));
	const manifest = {
		name,
		version: "0.0.0",
		private: true,
		type: "module",
		scripts: {
			dev: "stateroom dev",
			build: "stateroom build",
			deploy: "stateroom deploy",
			test: "vitest run",
		},
		dependencies: { stateroom },
		devDependencies,
		// npm runs only the install scripts allowed here: Node 22 (the `node` package), workerd and esbuild.
		allowScripts: { node: true, workerd: true, esbuild: true, sharp: false },
	};
	return `${JSON.stringify(manifest, null, 2)}\n`;
}

function wranglerToml({ name, compatibilityDate }: InitNames): string {
	return `# One Worker; a Durable Object per room (Room), and the room directory (Directory).
name = "${name}"
main = "src/worker.ts"
compatibility_date = "${compatibilityDate}"

[dev]
port = 8080
ip = "127.0.0.1"

[[durable_objects.bindings]]
name = "ROOMS"
class_name = "Room"

[[durable_objects.bindings]]
name = "DIRECTORY"
class_name = "Directory"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room", "Directory"]
`;
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "es2023",
    "module": "es2022",
    "moduleResolution": "bundler",
    "lib": ["es2023"],
    "types": ["@cloudflare/workers-types", "@cloudflare/vitest-plugin/types"],
    "strict": true,
    "isolatedModules": true,
    "verbatimModuleSyntax": true,
    "allowImportingTsExtensions": true,
    "noEmit": true,
    "skipLibCheck": true
  },
  "include": ["src", "services", "test", "vitest.config.ts"]
}
`;

const VITEST_CONFIG = `import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** The tests run inside workerd, the Workers runtime, against the Worker in wrangler.toml. */
export default defineConfig({
	plugins: [cloudflareTest({ main: "./src/worker.ts", wrangler: { configPath: "./wrangler.toml" } })],
	test: { include: ["test/**/*.test.ts"] },
});
`;

const WORKER = `/** The Worker: every service in services/index.ts, one room per URL. */
// Stateroom first: it takes the built-ins it relies on before any service module runs.
import { createStateroom } from "stateroom";
import services from "../services/index.ts";

/** The Durable Object classes that wrangler.toml binds. */
export { Directory, Room } from "stateroom";

export default createStateroom(services).worker;
`;

const SERVICES = `/**
 * The services of this Worker. \`/ws/:room\` runs the default one; every service is also at
 * \`/s/:name/ws/:room\`. \`npx stateroom new <name>\` adds one here.
 */
import { defineServices } from "stateroom";
import { Counter } from "./counter.ts";

export default defineServices({
	default: "counter",
	services: {
		counter: Counter,
	},
});
`;

const COUNTER = `import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/**
 * A shared counter: "increment" adds one, and everyone in the room sees the new value. Its
 * fields are the room's state: saved after every event, back after hibernation, eviction or a
 * restart.
 */
export class Counter implements Service {
	value = 0;

	connect(client: ClientId, ctx: ServiceContext) {
		ctx.sendMessage(client, \`value: \${this.value}\`);
	}

	message(_client: ClientId, message: MessagePayload, ctx: ServiceContext) {
		if (message.text() === "increment") this.value += 1;
		ctx.sendMessage(MessageRecipient.broadcast(), \`new value: \${this.value}\`);
	}
}
`;

const WASM_TYPES = `/**
 * \`import service from "./x.wasm"\` is a compiled module (wrangler's CompiledWasm rule): a
 * WebAssembly service (Rust's stateroom-wasm, C, AssemblyScript) to register in index.ts.
 */
declare module "*.wasm" {
	const module: WebAssembly.Module;
	export default module;
}
`;

const COUNTER_TEST = `import { describe, expect, it } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

describe("counter", () => {
	it("counts increments, and every client in the room sees them", async () => {
		const room = uniqueRoom();
		const alice = await connect(\`/ws/\${room}\`);
		expect(await alice.next()).toBe("value: 0");
		const bob = await connect(\`/s/counter/ws/\${room}\`);
		expect(await bob.next()).toBe("value: 0");

		alice.send("increment");
		expect(await alice.next()).toBe("new value: 1");
		expect(await bob.next()).toBe("new value: 1");
		alice.close();
		bob.close();
	});
});
`;

const GITIGNORE = `node_modules/
.wrangler/
dist/
.stateroom/
.dev.vars
`;

function readme({ name }: InitNames): string {
	return `# ${name}

Real-time rooms on Cloudflare Workers, with [Stateroom](node_modules/stateroom/README.md).

\`\`\`sh
npm install
npm run dev      # serves on http://127.0.0.1:8080, reloading on change
npm test         # the tests in test/, inside workerd
\`\`\`

Then connect: \`ws://127.0.0.1:8080/ws/lobby\` is the room \`lobby\` of the default service
(\`counter\`); send \`increment\`. Every service is also at \`/s/<service>/ws/<room>\`.

| file | what it is |
|---|---|
| \`src/worker.ts\` | the Worker (\`main\` in wrangler.toml): hands the services to \`createStateroom\` |
| \`services/index.ts\` | the services, by name, and the default one |
| \`services/counter.ts\` | a service: a class whose fields are the room's state |
| \`test/\` | tests inside workerd (\`@cloudflare/vitest-plugin\`); \`socket.ts\` opens rooms |
| \`wrangler.toml\` | the Worker's config: the \`Room\` and \`Directory\` Durable Objects |
| \`.dev.vars\` | development secrets for \`stateroom token\`, \`rooms\` and \`room\` (not committed) |

Commands (\`npx stateroom <command> --help\` for each):

\`\`\`sh
npx stateroom new lobby             # a service, its test, and its registration
npx stateroom build                 # bundle into dist/ and report the size
npx stateroom deploy --dry-run      # the same, without uploading; drop --dry-run to deploy
npx stateroom token --service counter --room lobby   # a signed join token
npx stateroom rooms                 # the running dev server's services and rooms
\`\`\`

The service API, the client library (\`stateroom/client\`) and the rest are in
[node_modules/stateroom/docs/](node_modules/stateroom/docs/).
`;
}
