/**
 * What `stateroom dev` leaves out of wrangler's output: the lines that say only that this
 * machine is offline. wrangler fetches the `Request.cf` object from workers.cloudflare.com on
 * every start and reload; offline, each attempt prints a warning and a `getaddrinfo ENOTFOUND`
 * stack. Dev works the same without it (request.cf holds placeholders), so the first time it
 * is said once, in one line, and never again.
 */
import { stripVTControlCharacters } from "node:util";

/** The warning line wrangler prints when it cannot fetch `Request.cf`. */
const CF_WARNING = /Unable to fetch the `Request\.cf` object/;
/** A DNS failure's first line (offline, or no resolver): its stack follows, indented. */
const DNS_ERROR = /^(?:\S+ )?Error: getaddrinfo (?:ENOTFOUND|EAI_AGAIN) /;
const STACK_LINE = /^\s+at /;

export interface NoiseFilter {
	/** Feeds a chunk; resolves with the part to print (whole lines only). */
	write(chunk: string): string;
	/** What is left of an unfinished line. */
	flush(): string;
}

/** `onOffline` runs once, the first time offline noise is dropped. */
export function wranglerNoiseFilter(onOffline: () => void): NoiseFilter {
	let pending = "";
	let inStack = false;
	let told = false;
	const keep = (line: string): boolean => {
		const plain = stripVTControlCharacters(line);
		if (inStack && STACK_LINE.test(plain)) return false;
		inStack = false;
		if (CF_WARNING.test(plain) || DNS_ERROR.test(plain)) {
			inStack = DNS_ERROR.test(plain);
			if (!told) {
				told = true;
				onOffline();
			}
			return false;
		}
		return true;
	};
	return {
		write(chunk) {
			pending += chunk;
			const lines = pending.split("\n");
			pending = lines.pop() ?? "";
			return lines
				.filter(keep)
				.map((line) => `${line}\n`)
				.join("");
		},
		flush() {
			const rest = pending;
			pending = "";
			return rest !== "" && keep(rest) ? rest : "";
		},
	};
}
