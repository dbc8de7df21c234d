/** The Worker's routes: health, room URLs, and every refusal with its status and message. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, connect, uniqueRoom } from "./socket.ts";

const get = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);

describe("routes", () => {
	it("answers ok on /status", async () => {
		const response = await get("/status");
		expect(response.status).toBe(200);
		expect(await response.text()).toBe("ok");
	});

	it("answers 426 with an explanation to a plain GET of a room", async () => {
		for (const path of ["/ws", "/ws/abc", "/s/echo/ws/abc"]) {
			const response = await get(path);
			expect(response.status, path).toBe(426);
			expect(await response.text()).toMatch(/WebSocket endpoint/);
		}
	});

	it("refuses invalid room ids with 400", async () => {
		const upgrade = { headers: { Upgrade: "websocket" } };
		const tooLong = await get(`/ws/${"é".repeat(129)}`, upgrade);
		expect(tooLong.status).toBe(400);
		expect(await tooLong.text()).toMatch(/258 bytes long; the limit is 256/);
		const badEncoding = await get("/ws/%E0%A4%A", upgrade);
		expect(badEncoding.status).toBe(400);
		expect(await badEncoding.text()).toMatch(/percent-encoding/);
	});

	it("accepts a room id of exactly 256 bytes, and any characters once decoded", async () => {
		const longest = await connect(`/ws/${"é".repeat(128)}`);
		longest.send("increment");
		expect(await longest.next()).toBe("new value: 1");
		const spaced = await connect(`/ws/${encodeURIComponent("a room/with: odd ✓ chars")}`);
		spaced.send("increment");
		expect(await spaced.next()).toBe("new value: 1");
	});

	it("answers 404 for an unknown service, naming the registered ones", async () => {
		const response = await get("/s/nope/ws/1", { headers: { Upgrade: "websocket" } });
		expect(response.status).toBe(404);
		expect(await response.text()).toMatch(/No service named "nope".*counter, echo/);
	});

	it("answers 404 for an unknown path, pointing at the room URLs", async () => {
		const response = await get("/nowhere");
		expect(response.status).toBe(404);
		expect(await response.text()).toMatch(/\/ws\/:room/);
	});

	it("serves room 1 of the default service at /ws", async () => {
		const room = uniqueRoom();
		// /ws and /ws/1 are one room; /s/counter/ws/:room is the default service's room too.
		const bare = await connect("/ws");
		const one = await connect("/ws/1");
		bare.send("increment");
		const first = await bare.next();
		expect(await one.next()).toBe(first);
		const viaDefault = await connect(`/ws/${room}`);
		const viaName = await connect(`/s/counter/ws/${room}`);
		viaDefault.send("increment");
		expect(await viaDefault.next()).toBe("new value: 1");
		expect(await viaName.next()).toBe("new value: 1");
	});

	it("never lets two services share a room", async () => {
		const room = uniqueRoom();
		const counter = await connect(`/s/counter/ws/${room}`);
		const echo = await connect(`/s/echo/ws/${room}`);
		expect(await echo.next()).toBe("User ClientId(1) connected.");
		counter.send("increment");
		expect(await counter.next()).toBe("new value: 1");
		expect(await echo.quiet()).toEqual([]);
	});
});
