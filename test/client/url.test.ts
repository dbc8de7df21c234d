/** Room URLs: both routes, percent-encoding of room ids, schemes, params. */
import { describe, expect, it } from "vitest";
import { roomUrl, withParams } from "../../client/url.ts";

describe("roomUrl", () => {
	it("maps { host, room } to /ws/:room and { host, service, room } to /s/:service/ws/:room", () => {
		expect(roomUrl({ host: "rooms.example.com", room: "lobby" }).href).toBe("wss://rooms.example.com/ws/lobby");
		expect(roomUrl({ host: "rooms.example.com", service: "chat", room: "general" }).href).toBe(
			"wss://rooms.example.com/s/chat/ws/general",
		);
	});

	it("percent-encodes the room id, so slashes, spaces and '?' stay inside it", () => {
		expect(roomUrl({ host: "h.example", room: "a/b c?d#e" }).pathname).toBe("/ws/a%2Fb%20c%3Fd%23e");
		expect(decodeURIComponent(roomUrl({ host: "h.example", room: "ünï/çødé" }).pathname.slice(4))).toBe("ünï/çødé");
	});

	it("uses ws: for loopback hosts and wss: elsewhere unless secure says otherwise", () => {
		expect(roomUrl({ host: "127.0.0.1:8787", room: "r" }).protocol).toBe("ws:");
		expect(roomUrl({ host: "localhost:8787", room: "r" }).protocol).toBe("ws:");
		expect(roomUrl({ host: "[::1]:8787", room: "r" }).protocol).toBe("ws:");
		expect(roomUrl({ host: "example.com", room: "r" }).protocol).toBe("wss:");
		expect(roomUrl({ host: "localhost", room: "r", secure: true }).protocol).toBe("wss:");
		expect(roomUrl({ host: "example.com", room: "r", secure: false }).protocol).toBe("ws:");
	});

	it("accepts full ws:, wss:, http: and https: URLs and drops the fragment", () => {
		expect(roomUrl("ws://127.0.0.1:8787/ws/a").href).toBe("ws://127.0.0.1:8787/ws/a");
		expect(roomUrl("https://example.com/ws/a?x=1#frag").href).toBe("wss://example.com/ws/a?x=1");
		expect(roomUrl(new URL("http://example.com/s/echo/ws/b")).href).toBe("ws://example.com/s/echo/ws/b");
	});

	it("explains what is wrong with a bad target", () => {
		expect(() => roomUrl("not a url")).toThrow(/Invalid room URL "not a url": give a full URL/);
		expect(() => roomUrl("ftp://example.com/ws/a")).toThrow(/scheme must be ws:, wss:, http: or https:/);
		expect(() => roomUrl({ host: "https://example.com", room: "a" })).toThrow(/without a scheme or path/);
		expect(() => roomUrl({ host: "example.com", room: "" })).toThrow(/room id: it is empty/);
		expect(() => roomUrl({ host: "example.com", room: "a", service: "" })).toThrow(/Invalid service name ""/);
	});
});

describe("withParams", () => {
	it("sets params in the query string, keeps other existing ones, and leaves out undefined and null", () => {
		const url = withParams(new URL("ws://h/ws/a?keep=1&token=old"), {
			token: "new value&more",
			n: 3,
			flag: true,
			gone: undefined,
			none: null,
		});
		expect([...url.searchParams]).toEqual([
			["keep", "1"],
			["token", "new value&more"],
			["n", "3"],
			["flag", "true"],
		]);
	});

	it("does not change the URL it was given", () => {
		const base = new URL("ws://h/ws/a");
		withParams(base, { x: 1 });
		expect(base.href).toBe("ws://h/ws/a");
	});
});
