import { describe, expect, it } from "vitest";
import { connect, uniqueRoom } from "./socket.ts";

describe("frames and recipients", () => {
	it("sends bytes as binary frames, and everyone-except skips only the sender", async () => {
		const room = uniqueRoom();
		const a = await connect(`/s/test-bytes/ws/${room}`);
		const b = await connect(`/s/test-bytes/ws/${room}`);
		const c = await connect(`/s/test-bytes/ws/${room}`);
		a.send("hé");
		const bytes = await a.next();
		expect(bytes).toEqual(new Uint8Array([0x68, 0xc3, 0xa9]));
		expect(await b.quiet()).toEqual([]);
		b.send(new Uint8Array([9, 8, 7]));
		expect(await a.next()).toBe("got 3 bytes");
		expect(await c.next()).toBe("got 3 bytes");
		expect(await b.quiet()).toEqual([]);
	});
});

describe("chat", () => {
	it("welcomes a client with its id, tells the others, relays lines and renames", async () => {
		const room = uniqueRoom();
		const ann = await connect(`/s/chat/ws/${room}`);
		expect(JSON.parse(String(await ann.next()))).toMatchObject({ type: "welcome", client: 1, name: "guest-1" });
		const bob = await connect(`/s/chat/ws/${room}`);
		expect(JSON.parse(String(await bob.next()))).toMatchObject({
			type: "welcome",
			client: 2,
			members: [
				{ client: 1, name: "guest-1" },
				{ client: 2, name: "guest-2" },
			],
		});
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "joined", client: 2, name: "guest-2" });
		ann.send("/nick ann");
		for (const client of [ann, bob]) {
			expect(JSON.parse(String(await client.next()))).toEqual({
				type: "renamed",
				client: 1,
				from: "guest-1",
				to: "ann",
			});
		}
		bob.send("/nick ann");
		expect(JSON.parse(String(await bob.next()))).toMatchObject({ type: "error" });
		bob.send("hello");
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "said", client: 2, name: "guest-2", text: "hello" });
		bob.close();
		expect(JSON.parse(String(await ann.next()))).toEqual({ type: "left", client: 2, name: "guest-2" });
	});
});
