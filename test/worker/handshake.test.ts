/**
 * Handshake hygiene: only a valid WebSocket upgrade reaches a room. Every malformed request is
 * refused in the Worker with its status, and the room it named gets no client id, no record and
 * no storage, and its members hear nothing.
 */
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { describeErrorForLog, escapeForLog, hasControlCharacter, quoteForLog } from "../../src/log.ts";
import { describeRoom } from "../../src/naming.ts";
import { BASE, connect, roomStub, uniqueRoom, upgradeHeaders } from "./socket.ts";

const fetchRoom = (path: string, init: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);

/**
 * Requests that are not a valid upgrade, each with the status the Worker must answer. (Inside
 * workerd, `fetch` turns any request with `Upgrade: websocket` into a GET, so the other methods
 * go without it here; test/e2e/access.test.ts sends a POST upgrade over real HTTP.)
 */
const MALFORMED: readonly { name: string; init: RequestInit; status: number }[] = [
	{ name: "POST", init: { method: "POST", body: "x" }, status: 405 },
	{ name: "PUT", init: { method: "PUT", headers: withoutHeader(upgradeHeaders(), "Upgrade") }, status: 405 },
	{ name: "no Upgrade", init: { headers: { ...upgradeHeaders(), Upgrade: "h2c" } }, status: 426 },
	{ name: "no key", init: { headers: withoutHeader(upgradeHeaders(), "Sec-WebSocket-Key") }, status: 400 },
	{ name: "malformed key", init: { headers: upgradeHeaders({ "Sec-WebSocket-Key": "not-a-key" }) }, status: 400 },
	{ name: "no version", init: { headers: withoutHeader(upgradeHeaders(), "Sec-WebSocket-Version") }, status: 426 },
	{ name: "version 8", init: { headers: upgradeHeaders({ "Sec-WebSocket-Version": "8" }) }, status: 426 },
];

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
	const { [name]: _removed, ...rest } = headers;
	return rest;
}

describe("handshake", () => {
	it("answers each malformed upgrade with its status and a reason", async () => {
		for (const { name, init, status } of MALFORMED) {
			const response = await fetchRoom(`/s/test-roster/ws/${uniqueRoom()}`, init);
			expect(response.status, name).toBe(status);
			expect(response.webSocket, name).toBeNull();
			expect((await response.text()).length, name).toBeGreaterThan(20);
		}
	});

	it("answers 405 with Allow: GET, and 426 for a bad version with the version it speaks", async () => {
		const post = await fetchRoom("/ws/x", { method: "POST" });
		expect(post.status).toBe(405);
		expect(post.headers.get("allow")).toBe("GET");
		const v8 = await fetchRoom("/ws/x", { headers: upgradeHeaders({ "Sec-WebSocket-Version": "8" }) });
		expect(v8.headers.get("sec-websocket-version")).toBe("13");
		expect(await v8.text()).toMatch(/version 13/);
	});

	it("creates no client, record or storage, and members hear nothing", async () => {
		// A room that has never been opened stays empty: not even its record is written.
		const untouched = uniqueRoom();
		for (const { init } of MALFORMED) await fetchRoom(`/s/test-roster/ws/${untouched}`, init);
		const stored = await runInDurableObject(roomStub("test-roster", untouched), async (_room, state) => [
			...(await state.storage.list()).keys(),
		]);
		expect(stored).toEqual([]);

		// In a live room, members hear no join or leave, and the next real client is number 2.
		const room = uniqueRoom();
		const member = await connect(`/s/test-roster/ws/${room}`);
		expect(await member.next()).toBe("joined 1 null");
		for (const { init } of MALFORMED) await fetchRoom(`/s/test-roster/ws/${room}`, init);
		expect(await member.quiet()).toEqual([]);
		await connect(`/s/test-roster/ws/${room}`);
		expect(await member.next()).toBe("joined 2 null");
	});

	it("refuses room ids holding C0, DEL or C1 control characters with 400", async () => {
		for (const id of ["a\nb", "\u001b[2J", "x\u0000", "del\u007f", "nel\u0085", "\u009b31m"]) {
			const response = await fetchRoom(`/ws/${encodeURIComponent(id)}`, { headers: upgradeHeaders() });
			expect(response.status, JSON.stringify(id)).toBe(400);
			const text = await response.text();
			expect(text, JSON.stringify(id)).toMatch(/control characters/);
			// The refusal shows the id escaped, never raw.
			expect(hasControlCharacter(text.trimEnd()), text).toBe(false);
		}
	});
});

describe("log lines", () => {
	it("escapes every character that could end a line or repaint a terminal", () => {
		const forged = 'a\n[stateroom] FORGED\r\u001b[2J\u0085\u2028\u202e"\\\t\u007f';
		const escaped = escapeForLog(forged);
		expect(escaped).toBe('a\\n[stateroom] FORGED\\r\\x1b[2J\\x85\\u2028\\u202e"\\\\\\t\\x7f');
		expect(quoteForLog('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
		expect(hasControlCharacter(escaped)).toBe(false);
		expect(escaped).not.toMatch(/[\u2028\u2029\u202a-\u202e]/);
	});

	it("names a room with both names escaped, and an error with its message on one line", () => {
		expect(describeRoom({ service: "chat", roomId: 'r"\n[stateroom] x' })).toBe(
			'service "chat", room "r\\"\\n[stateroom] x"',
		);
		const lines = describeErrorForLog(new Error("bad\n[stateroom] FORGED")).split("\n");
		expect(lines[0]).toBe("Error: bad\\n[stateroom] FORGED");
		for (const line of lines.slice(1)) expect(line).toMatch(/^ {4}at /);
	});
});
