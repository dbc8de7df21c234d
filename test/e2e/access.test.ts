/**
 * Access through a real `wrangler dev` and real HTTP: what workerd's in-process `fetch` cannot
 * show (it turns every upgrade into a GET), and the hostile-client cases as a hostile
 * client sends them: a POST, a page from a foreign origin, a 2 MiB message. (A curl-style upgrade
 * without a key is not here: wrangler dev's proxy re-issues upgrades with a key of its own, so
 * only test/worker/handshake.test.ts can show the Worker refusing it; see docs/security.md.)
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
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

const room = () => `e2e-${crypto.randomUUID()}`;

/** A raw HTTP request (no WebSocket library), as curl would send it; status, headers and body. */
function raw(
	method: string,
	path: string,
	headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
	return new Promise((resolve, reject) => {
		const outgoing = request(`${server.http}${path}`, { method, headers }, (response) => {
			let body = "";
			response.setEncoding("utf8");
			response.on("data", (chunk) => {
				body += chunk;
			});
			response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
		});
		outgoing.on("upgrade", (response, socket) => {
			socket.destroy();
			resolve({ status: response.statusCode ?? 0, headers: response.headers, body: "" });
		});
		outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`${method} ${path} timed out`)));
		outgoing.on("error", reject);
		outgoing.end();
	});
}

const UPGRADE = {
	Connection: "Upgrade",
	Upgrade: "websocket",
	"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
	"Sec-WebSocket-Version": "13",
};

describe("access through wrangler dev", () => {
	it("answers a POST to a room with 405 and Allow: GET; a POST upgrade never opens one", async () => {
		const response = await raw("POST", `/ws/${room()}`, {});
		expect(response.status, response.body).toBe(405);
		expect(response.headers.allow).toBe("GET");
		// wrangler dev's own proxy answers a POST upgrade (400) before the Worker sees it; the
		// Worker's 405 for it is tested in test/worker/handshake.test.ts.
		const upgrade = await raw("POST", `/ws/${room()}`, UPGRADE);
		expect([400, 405]).toContain(upgrade.status);
	});

	it("refuses a page from a foreign origin with 403, and takes the dev server's own", async () => {
		const refused = await new Promise<number>((resolve, reject) => {
			const socket = new WebSocket(`${server.ws}/ws/${room()}`, { origin: "http://evil.example" });
			socket.on("unexpected-response", (_request, response) => {
				resolve(response.statusCode ?? 0);
				socket.terminate();
			});
			socket.on("open", () => reject(new Error("a foreign origin was let in")));
			socket.on("error", () => undefined);
		});
		expect(refused).toBe(403);
		const local = new WebSocket(`${server.ws}/ws/${room()}`, { origin: "http://localhost:5173" });
		await new Promise((resolve, reject) => {
			local.once("open", resolve);
			local.once("error", reject);
		});
		local.terminate();
	});

	it("closes a client that sends 2 MiB with 1009; the other members never receive it", async () => {
		const name = room();
		const member = await open(`${server.ws}/s/echo/ws/${name}`);
		const sender = await open(`${server.ws}/s/echo/ws/${name}`);
		clients.push(member, sender);
		expect(await member.nextText()).toBe("User ClientId(1) connected.");
		expect(await sender.nextText()).toBe("User ClientId(2) connected.");
		sender.send("a".repeat(2 * 1024 * 1024));
		const closed = await sender.closed;
		expect(closed.code).toBe(1009);
		expect(closed.reason).toMatch(/limits\.maxMessageBytes \(1048576 bytes\)/);
		expect(await member.nextText()).toBe("User ClientId(2) left.");
		expect(await member.quiet()).toEqual([]);
	});
});
