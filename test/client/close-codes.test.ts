/** The default reconnection policy, code by code. */
import { describe, expect, it } from "vitest";
import { shouldReconnect } from "../../client/close-codes.ts";
import { CloseCode } from "../../src/errors.ts";

const retries = (code: number) => shouldReconnect({ code, reason: "", wasClean: code !== 1006 });

describe("shouldReconnect", () => {
	it("retries network faults, restarts and failing servers (1011 is Stateroom's 'service failed to start')", () => {
		expect([1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015].filter(retries)).toEqual([
			1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015,
		]);
	});

	it("does not retry refusals: normal closure by the server, protocol and policy errors", () => {
		expect([1000, 1002, 1003, 1007, 1008, 1009, 1010].filter(retries)).toEqual([]);
	});

	it("splits application codes: 4000-4499 are final, 4500-4999 transient, 3000-3999 retried", () => {
		expect([4000, 4401, 4499].filter(retries)).toEqual([]);
		expect([4500, 4999, 3000, 3999].filter(retries)).toEqual([4500, 4999, 3000, 3999]);
	});
});

/**
 * The host's close codes (src/errors.ts) and what the client should do after each: one entry per
 * code, so a new code cannot be added without deciding (the type demands every key).
 */
const HOST_CLOSE_DECISIONS: Readonly<Record<keyof typeof CloseCode, { reconnect: boolean; why: string }>> = {
	messageTooBig: { reconnect: false, why: "the same message would be too big again" },
	serviceUnavailable: { reconnect: true, why: "the service may start on the next attempt (a deploy, a fix)" },
	rateLimited: { reconnect: false, why: "the client's own sending closed it; reconnecting repeats it" },
	roomReset: { reconnect: true, why: "the room is still there, fresh: reconnecting joins it" },
	roomDeleted: { reconnect: false, why: "the room is gone; reconnecting would open a new, empty one" },
	coolingDown: { reconnect: true, why: "the room takes clients again once its cool-down ends" },
};

describe("the host's close codes", () => {
	it.each(Object.entries(CloseCode))("gives %s (%i) the client decision the table states", (name, code) => {
		const decision = HOST_CLOSE_DECISIONS[name as keyof typeof CloseCode];
		expect(decision, `no decision for CloseCode.${name}: add it to HOST_CLOSE_DECISIONS`).toBeDefined();
		expect(retries(code), decision.why).toBe(decision.reconnect);
	});
});
