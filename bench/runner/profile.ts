/**
 * `npm run bench:profile`: where an event's time goes, timed in Node's V8 (the engine workerd
 * embeds) on the host's own code, for the README's profile. It times the parts of an event that
 * grow with a room's state: encoding a TypeScript service's whole state (and how many chunks of
 * it are then written), and a WebAssembly checkpoint after one changed word. Storage writes cannot be
 * timed outside workerd: the ladders of `npm run bench` give the whole event, and the difference is
 * theirs. The host's internals are imported on purpose; when they change, update this with them.
 */
import { encodeState } from "../../src/typescript/state-codec.ts";
import type { Guest } from "../../src/wasm/guest.ts";
import { Checkpoint } from "../../src/wasm/snapshot.ts";
import { median } from "./stats.ts";

const PAGE = 65_536;

function time(repeat: number, run: () => void): number {
	const samples: number[] = [];
	for (let i = 0; i < repeat; i++) {
		const started = performance.now();
		run();
		samples.push(performance.now() - started);
	}
	return median(samples);
}

/** The ladder service's fields at `bytes`: 100-character entries, as bench/ladder-service.ts makes them. */
function ladderState(bytes: number): { entries: string[]; touches: number } {
	const count = Math.max(1, Math.round(bytes / 100));
	return { entries: Array.from({ length: count }, (_, index) => String(index).padEnd(100, ".")), touches: 0 };
}

function profileTypeScript(): void {
	process.stdout.write("TypeScript state: time per event spent on the whole state\n");
	process.stdout.write("bytes        encode ms  chunks written\n");
	for (const bytes of [1_000, 10_000, 100_000, 1_000_000, 10_000_000]) {
		const state = ladderState(bytes);
		const repeat = bytes >= 10_000_000 ? 5 : 20;
		let text = "";
		const encode = time(repeat, () => {
			state.touches += 1;
			state.entries[state.touches % state.entries.length] = String(state.touches).padEnd(100, ".");
			text = encodeState(state, "this");
		});
		const chunks = Math.ceil(text.length / (256 * 1024));
		process.stdout.write(
			`${String(bytes).padEnd(12)} ${encode.toFixed(2).padStart(9)}  ${String(chunks).padStart(14)}\n`,
		);
	}
}

/** Just enough of a guest for a checkpoint: its memory and no globals. */
function fakeGuest(memory: WebAssembly.Memory): Guest {
	const guest = {
		memory: () => memory,
		memoryBytes: () => new Uint8Array(memory.buffer),
		memoryCopy: () => new Uint8Array(memory.buffer).slice(),
		readGlobals: () => ({}),
		writeGlobals: () => {},
	};
	return guest as unknown as Guest;
}

function profileWasm(): void {
	process.stdout.write("\nWebAssembly memory: one word changed, then a checkpoint\n");
	process.stdout.write("pages   checkpoint ms  us per page  copy kept (MiB)\n");
	for (const pages of [1, 16, 64, 256, 1024]) {
		const memory = new WebAssembly.Memory({ initial: pages });
		const guest = fakeGuest(memory);
		const checkpoint = Checkpoint.resume(guest, new Map());
		checkpoint.capture(guest);
		const words = new Uint32Array(memory.buffer);
		let counter = 0;
		const ms = time(pages >= 256 ? 10 : 50, () => {
			counter += 1;
			words[2] = counter;
			checkpoint.capture(guest);
		});
		process.stdout.write(
			`${String(pages).padEnd(7)} ${ms.toFixed(3).padStart(13)}  ${((ms * 1000) / pages).toFixed(1).padStart(11)}  ${((pages * PAGE) / 2 ** 20).toFixed(2).padStart(15)}\n`,
		);
	}
}

profileTypeScript();
profileWasm();
