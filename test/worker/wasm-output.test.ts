/**
 * What a guest may write to the log: its stdout and stderr are cut into lines, each line and each
 * event's number of lines bounded, so a hostile guest can neither flood the log nor grow the
 * host's memory with a line that never ends.
 */
import { describe, expect, it } from "vitest";
import { MAX_LOG_LINE_BYTES, MAX_LOG_LINES_PER_EVENT, OutputLines } from "../../src/wasm/wasi.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

function collect() {
	const lines: [number, string][] = [];
	const output = new OutputLines((fd, line) => lines.push([fd, line]));
	return { lines, output };
}

describe("a guest's log output", () => {
	it("is cut into lines per stream, and an unfinished line is emitted at the end of the event", () => {
		const { lines, output } = collect();
		output.write(1, utf8("hello\nwor"));
		output.write(2, utf8("oops\n"));
		output.write(1, utf8("ld\npartial"));
		expect(lines).toEqual([
			[1, "hello"],
			[2, "oops"],
			[1, "world"],
		]);
		output.flush();
		expect(lines.at(-1)).toEqual([1, "partial"]);
		expect(output.lastError).toBe("oops");
	});

	it("keeps at most MAX_LOG_LINE_BYTES of a line, however many writes make it, and says how much was cut", () => {
		const { lines, output } = collect();
		for (let index = 0; index < 1000; index++) output.write(1, utf8("x".repeat(1000)));
		output.write(1, utf8("\n"));
		expect(lines).toHaveLength(1);
		const [, line] = lines[0] as [number, string];
		expect(line.startsWith("x".repeat(MAX_LOG_LINE_BYTES))).toBe(true);
		expect(line).toContain(`... (${1000 * 1000 - MAX_LOG_LINE_BYTES} more bytes)`);
		expect(line.length).toBeLessThan(MAX_LOG_LINE_BYTES + 64);
	});

	it("logs at most MAX_LOG_LINES_PER_EVENT lines per event, then one line that counts the rest", () => {
		const { lines, output } = collect();
		output.write(1, utf8("line\n".repeat(MAX_LOG_LINES_PER_EVENT + 500)));
		output.flush();
		expect(lines).toHaveLength(MAX_LOG_LINES_PER_EVENT + 1);
		expect(lines.at(-1)).toEqual([2, `... 500 more lines not logged (at most ${MAX_LOG_LINES_PER_EVENT} per event)`]);
		// The next event may log again.
		output.write(2, utf8("next event\n"));
		expect(lines.at(-1)).toEqual([2, "next event"]);
	});

	it("still remembers the last stderr line of a flood, which names why a guest trapped", () => {
		const { output } = collect();
		output.write(1, utf8("noise\n".repeat(MAX_LOG_LINES_PER_EVENT * 2)));
		output.write(2, utf8("panicked at 'boom'\n"));
		expect(output.lastError).toBe("panicked at 'boom'");
	});

	it("decodes a character split across two writes, since lines are kept as bytes until they end", () => {
		const { lines, output } = collect();
		const bytes = utf8("née\n");
		output.write(1, bytes.subarray(0, 2));
		output.write(1, bytes.subarray(2));
		expect(lines).toEqual([[1, "née"]]);
	});

	it("tells the host of every line as the guest writes it, so that a flood of tiny lines can be stopped midway", () => {
		let seen = 0;
		const output = new OutputLines(
			() => {},
			() => {
				seen += 1;
				if (seen === 10) throw new Error("out of fuel");
			},
		);
		expect(() => output.write(2, new Uint8Array(1_000_000).fill(0x0a))).toThrow("out of fuel");
		expect(seen).toBe(10);
	});
});
