/**
 * The tutorial path, end to end: a real `wrangler dev` and real WebSocket clients (`ws`),
 * several rooms at once, every example's exact messages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, open } from "./client.ts";
import { type SharedServer, sharedDevServer } from "./shared-server.ts";

let server: SharedServer;
const clients: Client[] = [];

beforeAll(async () => {
	server = await sharedDevServer();
});

afterAll(async () => {
	for (const client of clients) client.socket.terminate();
});

async function join(path: string): Promise<Client> {
	const client = await open(`${server.ws}${path}`);
	clients.push(client);
	return client;
}

const room = () => `e2e-${crypto.randomUUID()}`;

describe("wrangler dev", () => {
	it("answers ok on /status and 426 on a plain GET of /ws", async () => {
		expect(await (await fetch(`${server.http}/status`)).text()).toBe("ok");
		const plain = await fetch(`${server.http}/ws`);
		expect(plain.status).toBe(426);
	});

	it("runs the tutorial: /ws is a shared counter", async () => {
		const name = room();
		const a = await join(`/ws/${name}`);
		const b = await join(`/ws/${name}`);
		a.send("increment");
		expect(await a.nextText()).toBe("new value: 1");
		expect(await b.nextText()).toBe("new value: 1");
		b.send("decrement");
		expect(await a.nextText()).toBe("new value: 0");
		b.send(new Uint8Array([1, 2, 3]));
		expect(await a.quiet()).toEqual([]);
	});

	it("keeps rooms apart", async () => {
		const [first, second] = [room(), room()];
		const a = await join(`/ws/${first}`);
		const b = await join(`/ws/${second}`);
		a.send("increment");
		a.send("increment");
		b.send("increment");
		expect([await a.nextText(), await a.nextText()]).toEqual(["new value: 1", "new value: 2"]);
		expect(await b.nextText()).toBe("new value: 1");
	});

	it("echo: greeting to one client, broadcast to all, leave notices", async () => {
		const name = room();
		const a = await join(`/s/echo/ws/${name}`);
		expect(await a.nextText()).toBe("User ClientId(1) connected.");
		const b = await join(`/s/echo/ws/${name}`);
		expect(await b.nextText()).toBe("User ClientId(2) connected.");
		a.send("hello");
		expect(await a.nextText()).toBe("User ClientId(1) sent 'hello'");
		expect(await b.nextText()).toBe("User ClientId(1) sent 'hello'");
		await b.close();
		expect(await a.nextText()).toBe("User ClientId(2) left.");
	});

	it("randomness: greeting with a random u32", async () => {
		const a = await join(`/s/randomness/ws/${room()}`);
		expect(await a.nextText()).toMatch(/^User ClientId\(1\) connected\. Random number: \d{1,10}$/);
	});

	it("binary-echo: text back as text frames, binary ignored", async () => {
		const name = room();
		const a = await join(`/s/binary-echo/ws/${name}`);
		const b = await join(`/s/binary-echo/ws/${name}`);
		a.send(new Uint8Array([7]));
		a.send("text");
		expect(await b.next()).toEqual({ kind: "text", text: "text" });
		expect(await a.next()).toEqual({ kind: "text", text: "text" });
	});

	it("chat: everyone-except for joins, one client for the welcome, broadcast for lines", async () => {
		const name = room();
		const a = await join(`/s/chat/ws/${name}`);
		expect(JSON.parse(await a.nextText())).toMatchObject({ type: "welcome", client: 1 });
		const b = await join(`/s/chat/ws/${name}`);
		expect(JSON.parse(await b.nextText())).toMatchObject({ type: "welcome", client: 2 });
		expect(JSON.parse(await a.nextText())).toEqual({ type: "joined", client: 2, name: "guest-2" });
		expect(await b.quiet()).toEqual([]);
		b.send("hi");
		expect(JSON.parse(await a.nextText())).toEqual({ type: "said", client: 2, name: "guest-2", text: "hi" });
		expect(JSON.parse(await b.nextText())).toEqual({ type: "said", client: 2, name: "guest-2", text: "hi" });
		b.socket.terminate();
		expect(JSON.parse(await a.nextText())).toEqual({ type: "left", client: 2, name: "guest-2" });
	});

	it("clock: ticks every four seconds on its own", async () => {
		const a = await join(`/s/clock/ws/${room()}`);
		expect(await a.nextText(6000)).toBe("Timer @ 0");
	}, 15_000);

	it("serves WebAssembly services built from Rust and AssemblyScript like their TypeScript twins", async () => {
		for (const service of ["rust-counter", "as-counter"]) {
			const name = room();
			const a = await join(`/s/${service}/ws/${name}`);
			const b = await join(`/s/${service}/ws/${name}`);
			a.send("increment");
			expect(await a.nextText(), service).toBe("new value: 1");
			expect(await b.nextText(), service).toBe("new value: 1");
		}
		for (const service of ["rust-echo", "as-echo"]) {
			const name = room();
			const a = await join(`/s/${service}/ws/${name}`);
			expect(await a.nextText(), service).toBe("User ClientId(1) connected.");
			a.send("wasm");
			expect(await a.nextText(), service).toBe("User ClientId(1) sent 'wasm'");
		}
	});
});
