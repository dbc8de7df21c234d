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

	it("comes back after the codes of a room that may take it later, and only those", () => {
		const retried = Object.entries(CloseCode)
			.filter(([, code]) => retries(code))
			.map(([name]) => name);
		expect(retried.sort()).toEqual(["coolingDown", "serviceUnavailable"]);
	});
});
