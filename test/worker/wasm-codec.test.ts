/**
 * The bincode codec against the ABI document's own hex examples (docs/abi.md, "Examples"),
 * both ways, and the errors for bytes that do not decode (each names the byte offset). The
 * document's examples are read from the file, so it cannot drift from what the codec does.
 */
import { describe, expect, it } from "vitest";
import abiDocument from "../../docs/abi.md?raw";
import { ClientId } from "../../src/api/client-id.ts";
import { MessagePayload } from "../../src/api/payload.ts";
import {
	decodeCommand,
	decodeEvent,
	encodeCommand,
	encodeEvent,
	type GuestCommand,
	type GuestEvent,
} from "../../src/wasm/codec.ts";

const hex = (text: string) =>
	Uint8Array.from(text.replaceAll(" ", "").match(/../g) ?? [], (byte) => parseInt(byte, 16));
const toHex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
const id = ClientId.of;

/** Payloads carry accessor functions; compare what they hold. */
const plain = (value: GuestEvent | GuestCommand) =>
	JSON.parse(JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? [...v] : v)));

const events: [string, GuestEvent, string][] = [
	["Init", { kind: "init" }, "00000000"],
	["Connect { client: 1 }", { kind: "connect", client: id(1) }, "01000000 01000000"],
	["Disconnect { client: 2 }", { kind: "disconnect", client: id(2) }, "02000000 02000000"],
	[
		'Message { sender: 1, Text("hi") }',
		{ kind: "message", client: id(1), payload: MessagePayload.text("hi") },
		"03000000 01000000 01000000 0200000000000000 6869",
	],
	[
		"Message { sender: 1, Bytes([1, 2]) }",
		{ kind: "message", client: id(1), payload: MessagePayload.bytes(new Uint8Array([1, 2])) },
		"03000000 01000000 00000000 0200000000000000 0102",
	],
	["Timer", { kind: "timer" }, "04000000"],
];

const commands: [string, GuestCommand, string][] = [
	[
		'Message { Broadcast, Text("x") }',
		{ kind: "message", recipient: { kind: "broadcast" }, payload: MessagePayload.text("x") },
		"00000000 00000000 01000000 0100000000000000 78",
	],
	[
		"Message { Client(5), Bytes([]) }",
		{ kind: "message", recipient: { kind: "client", client: id(5) }, payload: MessagePayload.bytes(new Uint8Array()) },
		"00000000 01000000 05000000 00000000 0000000000000000",
	],
	[
		'Message { EveryoneExcept(5), Text("é") }',
		{ kind: "message", recipient: { kind: "everyoneExcept", client: id(5) }, payload: MessagePayload.text("é") },
		"00000000 02000000 05000000 01000000 0200000000000000 c3a9",
	],
	["SetTimer { 4000 }", { kind: "setTimer", ms: 4000 }, "01000000 a00f0000"],
];

/** The examples block of docs/abi.md, by name: each line is a name, two or more spaces, then hex. */
function documentedExamples(): Map<string, string> {
	const block = /<!-- abi-examples -->\s*```\n([\s\S]*?)```/.exec(abiDocument)?.[1];
	if (block === undefined) throw new Error("docs/abi.md has no example block after <!-- abi-examples -->");
	const examples = new Map<string, string>();
	for (const line of block.split("\n").filter((text) => text.trim() !== "")) {
		const match = /^(.*?) {2,}([0-9a-f ]+)$/.exec(line);
		if (!match?.[1] || !match[2]) throw new Error(`docs/abi.md: cannot read the example line "${line}"`);
		examples.set(match[1].replace(/^command /, ""), match[2].replaceAll(" ", ""));
	}
	return examples;
}

describe("the ABI document's examples", () => {
	it("are exactly the ones checked below, with the same bytes", () => {
		const checked = [...events, ...commands].map(([name, , bytes]): [string, string] => [
			name,
			bytes.replaceAll(" ", ""),
		]);
		expect(documentedExamples()).toEqual(new Map(checked));
	});
});

describe("events (MessageToProcess)", () => {
	it.each(events)("encodes %s as in the ABI document", (_name, event, bytes) => {
		expect(toHex(encodeEvent(event))).toBe(toHex(hex(bytes)));
		expect(plain(decodeEvent(hex(bytes)))).toEqual(plain(event));
	});

	it("rejects an unknown variant, naming the offset", () => {
		expect(() => decodeEvent(hex("05000000"))).toThrow(
			"malformed event (MessageToProcess) at byte 0: unknown variant 5 (expected 0 Init, 1 Connect, 2 Disconnect, 3 Message, 4 Timer)",
		);
	});
});

describe("commands (MessageFromProcess)", () => {
	it.each(commands)("decodes %s as in the ABI document", (_name, command, bytes) => {
		expect(plain(decodeCommand(hex(bytes)))).toEqual(plain(command));
		expect(toHex(encodeCommand(command))).toBe(toHex(hex(bytes)));
	});

	it("ignores trailing bytes, as upstream guests do", () => {
		expect(decodeCommand(hex("01000000 a00f0000 ffff"))).toEqual({ kind: "setTimer", ms: 4000 });
	});

	it.each([
		["", "at byte 0: the variant index needs 4 bytes but only 0 remain (truncated)"],
		["07000000", "at byte 0: unknown variant 7 (expected 0 Message, 1 SetTimer)"],
		["01000000 a00f", "at byte 4: the timer delay needs 4 bytes but only 2 remain (truncated)"],
		[
			"00000000 09000000",
			"at byte 4: unknown MessageRecipient variant 9 (expected 0 Broadcast, 1 Client, 2 EveryoneExcept)",
		],
		["00000000 01000000", "at byte 8: the client id needs 4 bytes but only 0 remain (truncated)"],
		["00000000 00000000 02000000", "at byte 8: unknown MessagePayload variant 2 (expected 0 Bytes, 1 Text)"],
		[
			"00000000 00000000 01000000 0500000000000000 6869",
			"at byte 12: the text claims 5 bytes but only 2 follow (truncated)",
		],
		[
			"00000000 00000000 00000000 0100",
			"at byte 12: the length of the bytes needs 8 bytes but only 2 remain (truncated)",
		],
		["00000000 00000000 01000000 0200000000000000 fffe", "at byte 20: the Text payload is not valid UTF-8 (2 bytes)"],
	])("rejects %j: %s", (bytes, problem) => {
		expect(() => decodeCommand(hex(bytes))).toThrow(`malformed command (MessageFromProcess) ${problem}`);
	});
});
