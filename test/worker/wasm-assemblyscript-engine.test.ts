/**
 * The SDK's probe fixture (sdk/assemblyscript/test/probe.ts) in the real WebAssembly engine,
 * inside workerd: a `throw` in an AssemblyScript callback fails only that event, and both a
 * rollback and a fresh engine built from the stored writes resume the service's heap state
 * (a `Map` of connected clients).
 */
import { describe, expect, it } from "vitest";
import probe from "../../build/fixtures/as-probe.wasm";
import { ClientId } from "../../src/api/client-id.ts";
import { MessagePayload } from "../../src/api/payload.ts";
import type { MessageRecipient } from "../../src/api/recipient.ts";
import type { Effects, Engine, ServiceEvent, StateWrites } from "../../src/engine.ts";
import { wasmEngine } from "../../src/wasm/module-engine.ts";

type Sent = { to: MessageRecipient; text: string | undefined } | { timer: number };

const factory = wasmEngine("as-probe", probe);
const room = () => ({ service: "as-probe", roomId: crypto.randomUUID() });
const say = (client: number, text: string): ServiceEvent => ({
	kind: "message",
	client: ClientId.of(client),
	payload: MessagePayload.text(text),
});

/** Runs one event and returns what it sent. */
async function run(engine: Engine, event: ServiceEvent): Promise<Sent[]> {
	const sent: Sent[] = [];
	const effects: Effects = {
		send: (to, payload) => sent.push({ to, text: payload.text() }),
		setTimer: (ms) => sent.push({ timer: ms }),
	};
	await engine.run(event, effects);
	return sent;
}

/** Applies an event's writes to a storage stand-in, as the room does. */
function commit(stored: Map<string, unknown>, writes: StateWrites): void {
	for (const [key, value] of writes.put) stored.set(key, value);
	for (const key of writes.delete) stored.delete(key);
}

describe("an AssemblyScript service in the WebAssembly engine", () => {
	it("fails only the event that throws, and rolls back to the last checkpoint", async () => {
		// The rollback reads the last commit back from storage (the module tracks dirty pages).
		const stored = new Map<string, unknown>();
		const engine = await factory.create(room(), stored, async () => new Map(stored));
		for (const event of [{ kind: "init" }, { kind: "connect", client: ClientId.of(1) }] as const) {
			await run(engine, event);
			commit(stored, engine.checkpoint());
		}
		// Client 2 connects but is not checkpointed before the throw, so the rollback forgets it too.
		await run(engine, { kind: "connect", client: ClientId.of(2) });
		const error = await run(engine, say(2, "throw")).then(
			() => undefined,
			(thrown: unknown) => thrown,
		);
		expect(error).toBeInstanceOf(Error);
		// The trap's error carries what the guest said on stderr just before it: the reason.
		expect(String(error)).toMatch(
			/stateroom_recv trapped: unreachable \(its last stderr line: AssemblyScript service aborted: asked to throw by guest-2 at sdk\/assemblyscript\/test\/probe\.ts:\d+:\d+\)/,
		);
		await engine.rollback();
		// Client 2's connect was never checkpointed: only client 1 is known.
		expect(await run(engine, { kind: "timer" })).toEqual([{ to: { kind: "broadcast" }, text: "timer, 1 connected" }]);
		expect(await run(engine, { kind: "disconnect", client: ClientId.of(1) })).toEqual([
			{ to: { kind: "everyoneExcept", client: 1 }, text: "guest-1 left" },
		]);
	});

	it("resumes a fresh engine from the stored writes, heap included", async () => {
		const info = room();
		const stored = new Map<string, unknown>();
		const first = await factory.create(info, stored);
		for (const event of [
			{ kind: "init" },
			{ kind: "connect", client: ClientId.of(1) },
			{ kind: "connect", client: ClientId.of(2) },
		] as const) {
			await run(first, event);
			commit(stored, first.checkpoint());
		}
		const second = await factory.create(info, stored);
		expect(await run(second, { kind: "disconnect", client: ClientId.of(2) })).toEqual([
			{ to: { kind: "everyoneExcept", client: 2 }, text: "guest-2 left" },
		]);
		expect(await run(second, { kind: "timer" })).toEqual([{ to: { kind: "broadcast" }, text: "timer, 1 connected" }]);
	});
});
