import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const get = (path: string, init?: RequestInit) => exports.default.fetch(`http://stateroom.test${path}`, init);

describe("routes", () => {
	it("answers ok on /status", async () => {
		const response = await get("/status");
		expect(response.status).toBe(200);
		expect(await response.text()).toBe("ok");
	});
});
