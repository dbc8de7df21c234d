/** `stateroom dev` leaves wrangler's offline noise out of its output, saying once why. */
import { describe, expect, it } from "vitest";
import { wranglerNoiseFilter } from "../../cli/wrangler-noise.ts";

/** What wrangler prints on every start and reload when workers.cloudflare.com is unreachable. */
const OFFLINE = `[wrangler:warn] Unable to fetch the \`Request.cf\` object! Falling back to a default placeholder...
Error: getaddrinfo ENOTFOUND workers.cloudflare.com
    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)
    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)
`;

describe("wrangler's offline noise", () => {
	it("is dropped on every reload, said once, and everything else passes in order", () => {
		let said = 0;
		const filter = wranglerNoiseFilter(() => said++);
		const printed = [
			filter.write(`⎔ Starting local server...\n${OFFLINE}`),
			filter.write(`[wrangler:info] Ready on http://127.0.0.1:8787\n${OFFLINE.slice(0, 40)}`),
			filter.write(`${OFFLINE.slice(40)}⎔ Reloading local server...\nError: something else\n    at x (y.js:1:1)\n`),
			filter.flush(),
		].join("");
		expect(printed).toBe(
			"⎔ Starting local server...\n[wrangler:info] Ready on http://127.0.0.1:8787\n⎔ Reloading local server...\nError: something else\n    at x (y.js:1:1)\n",
		);
		expect(said).toBe(1);
	});

	it("keeps a partial line until it ends", () => {
		const filter = wranglerNoiseFilter(() => {});
		expect(filter.write("[wrangler:info] Rea")).toBe("");
		expect(filter.write("dy\n")).toBe("[wrangler:info] Ready\n");
		expect(filter.write("tail")).toBe("");
		expect(filter.flush()).toBe("tail");
	});
});
