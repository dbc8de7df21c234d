/** The files `stateroom new` writes: a starting service and a test that proves it runs. */

export interface Names {
	/** The service name, as registered and in URLs: `/s/<service>/ws/:room`. */
	readonly service: string;
	/** The source file's name without `.ts`: the service's name, less `as-` for AssemblyScript. */
	readonly source: string;
	/** The TypeScript class (or AssemblyScript type) name. */
	readonly type: string;
}

export function typescriptService({ service, type }: Names): string {
	return `import { type ClientId, type MessagePayload, MessageRecipient, type Service, type ServiceContext } from "stateroom";

/**
 * The ${service} service (at /s/${service}/ws/:room). It greets each client and tells everyone in
 * the room what each client says. Its fields are the room's state: saved after every event,
 * back after hibernation or eviction.
 */
export class ${type} implements Service {
	/** Text messages received in this room so far. */
	received = 0;

	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(client, \`welcome, client \${client}\`);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === undefined) return;
		this.received += 1;
		ctx.sendMessage(MessageRecipient.broadcast(), \`#\${this.received} from \${client}: \${text}\`);
	}
}
`;
}

/** A worker test for a new service; the AssemblyScript template behaves the same way. */
export function serviceTest({ service }: Names): string {
	return `/** The ${service} service: greets each client, and everyone in the room sees each message. */
import { describe, expect, it } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

describe("${service} service", () => {
	it("greets each client and broadcasts every text message, numbered, to the whole room", async () => {
		const room = uniqueRoom();
		const alice = await connect(\`/s/${service}/ws/\${room}\`);
		expect(await alice.next()).toBe("welcome, client 1");
		const bob = await connect(\`/s/${service}/ws/\${room}\`);
		expect(await bob.next()).toBe("welcome, client 2");

		alice.send("hello");
		expect(await alice.next()).toBe("#1 from 1: hello");
		expect(await bob.next()).toBe("#1 from 1: hello");
		bob.send("hi");
		expect(await alice.next()).toBe("#2 from 2: hi");
		expect(await bob.next()).toBe("#2 from 2: hi");

		alice.close();
		bob.close();
	});
});
`;
}

/** The same service as `typescriptService`, in AssemblyScript with the SDK in sdk/assemblyscript. */
export function assemblyScriptService({ service, type }: Names): string {
	return `/**
 * The ${service} service (at /s/${service}/ws/:room). It greets each client and tells everyone in
 * the room what each client says. Its fields are the room's state, kept by the host.
 */
import { ClientId, MessagePayload, MessageRecipient, register, Service, ServiceContext } from "../../sdk/assemblyscript";
export * from "../../sdk/assemblyscript/abi";

class ${type} extends Service {
	/** Text messages received in this room so far. */
	received: i32 = 0;

	connect(client: ClientId, ctx: ServiceContext): void {
		ctx.sendMessage(client, \`welcome, client \${client}\`);
	}

	message(client: ClientId, message: MessagePayload, ctx: ServiceContext): void {
		const text = message.text();
		if (text === null) return;
		this.received += 1;
		ctx.sendMessage(MessageRecipient.broadcast(), \`#\${this.received} from \${client}: \${text}\`);
	}
}

register(() => new ${type}());
`;
}

/**
 * The WebSocket helper the tests import (`./socket.ts`), for a project that has none: it opens a
 * room through the Worker's own fetch handler inside workerd and queues what arrives.
 */
export function testSocketHelper(): string {
	return `/** A WebSocket client for tests inside workerd: connects through the Worker's own fetch handler. */
import { exports } from "cloudflare:workers";

export interface TestSocket {
	/** The next message (text, or bytes as a Uint8Array); rejects after \`ms\`. */
	next(ms?: number): Promise<string | Uint8Array>;
	send(message: string | Uint8Array): void;
	close(): void;
}

/** Connects to a room path such as \`/s/counter/ws/lobby\`. */
export async function connect(path: string): Promise<TestSocket> {
	// The Worker's default export (\`wrangler types\` would type it; the cast keeps this file standalone).
	const worker = (exports as unknown as { default: Fetcher }).default;
	const response = await worker.fetch(\`http://localhost\${path}\`, {
		headers: {
			Upgrade: "websocket",
			Connection: "Upgrade",
			"Sec-WebSocket-Key": btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))),
			"Sec-WebSocket-Version": "13",
		},
	});
	const socket = response.webSocket;
	if (!socket) throw new Error(\`No WebSocket from \${path}: \${response.status} \${await response.text()}\`);
	const queue: (string | Uint8Array)[] = [];
	const waiting: ((message: string | Uint8Array) => void)[] = [];
	socket.binaryType = "arraybuffer";
	socket.addEventListener("message", (event: MessageEvent) => {
		const message = typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer);
		const wake = waiting.shift();
		if (wake) wake(message);
		else queue.push(message);
	});
	socket.accept();
	return {
		next(ms = 2000) {
			const queued = queue.shift();
			if (queued !== undefined) return Promise.resolve(queued);
			return new Promise((resolve, reject) => {
				const deliver = (message: string | Uint8Array) => {
					clearTimeout(timer);
					resolve(message);
				};
				const timer = setTimeout(() => {
					waiting.splice(waiting.indexOf(deliver), 1);
					reject(new Error(\`no message within \${ms} ms\`));
				}, ms);
				waiting.push(deliver);
			});
		},
		send: (message) => socket.send(message),
		close: () => socket.close(1000, ""),
	};
}

/** A room of its own for each test, so tests never see each other's state. */
export function uniqueRoom(): string {
	return \`room-\${crypto.randomUUID()}\`;
}
`;
}
