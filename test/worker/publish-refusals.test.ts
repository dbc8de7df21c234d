/** What the deployment refuses to publish, and how it says why. */
import { describe, expect, it } from "vitest";
import { MAX_UPLOAD_BYTES } from "../../src/publish/versions.ts";
import { adminCall, publishRequest, uniqueService, upload } from "./publishing.ts";
import { upgrade } from "./socket.ts";

async function refusal(response: Response): Promise<{ status: number; error: string }> {
	return { status: response.status, error: ((await response.json()) as { error: string }).error };
}

// Each publish loads an isolate, which takes a while on a busy machine.
describe("publishing refuses", { timeout: 20_000 }, () => {
	it("an upload over the size limit, with 413 and the limit", async () => {
		const service = uniqueService();
		const body = new Uint8Array(MAX_UPLOAD_BYTES + 1);
		body.set([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
		const { status, error } = await refusal(await publishRequest(service, body));
		expect(status).toBe(413);
		expect(error).toContain(`larger than ${MAX_UPLOAD_BYTES} bytes`);
		expect((await upgrade(`/s/${service}/ws/a`)).status).toBe(404);
	});

	it("an unmetered module, with the command that meters it", async () => {
		const service = uniqueService();
		const { status, error } = await refusal(await publishRequest(service, upload("unmetered")));
		expect(status).toBe(400);
		expect(error).toMatch(/is not metered/);
		expect(error).toContain(`npx stateroom publish <module.wasm> --service ${service}`);
	});

	it("a module whose meter section was forged", async () => {
		const { status, error } = await refusal(await publishRequest(uniqueService(), upload("forged")));
		expect(status).toBe(400);
		expect(error).toMatch(/not signed by this project's meter/);
	});

	it("a malformed WebAssembly module", async () => {
		const broken = upload("rust-counter").slice(0, 200);
		const { status, error } = await refusal(await publishRequest(uniqueService(), broken));
		expect(status).toBe(400);
		expect(error).toMatch(/^The WebAssembly module was refused: /);
	});

	it("JavaScript that does not parse, and a module without a service class", async () => {
		const syntax = await refusal(
			await publishRequest(uniqueService(), new TextEncoder().encode("export default class {")),
		);
		expect(syntax.status).toBe(400);
		expect(syntax.error).toMatch(/^The JavaScript module was refused: /);
		const noClass = await refusal(await publishRequest(uniqueService(), upload("ts-no-class")));
		expect(noClass.status).toBe(400);
		expect(noClass.error).toMatch(/exports no service class/);
	});

	it("a module whose top level never settles (a top-level await on nothing)", async () => {
		const { status, error } = await refusal(await publishRequest(uniqueService(), upload("ts-hangs")));
		expect(status).toBe(400);
		expect(error).toMatch(/^The JavaScript module was refused: [\s\S]*Top-level await in module is unsettled/);
	});

	it("bytes that are neither WebAssembly nor UTF-8, an empty body, a bad name, a bundled name", async () => {
		const binary = await refusal(await publishRequest(uniqueService(), new Uint8Array([0xff, 0xfe, 0x00, 0x80])));
		expect(binary).toMatchObject({ status: 400, error: expect.stringMatching(/neither a WebAssembly module/) });
		const empty = await refusal(await publishRequest(uniqueService(), new Uint8Array()));
		expect(empty).toMatchObject({ status: 400, error: expect.stringMatching(/empty/) });
		const badName = await refusal(await publishRequest("Not_A_Name", upload("ts-counter")));
		expect(badName).toMatchObject({ status: 400, error: expect.stringMatching(/not a service name/) });
		const bundled = await refusal(await publishRequest("counter", upload("ts-counter")));
		expect(bundled).toMatchObject({ status: 409, error: expect.stringMatching(/bundled with this deployment/) });
	});

	it("settings that are out of range", async () => {
		const { status, error } = await refusal(
			await publishRequest(uniqueService(), upload("ts-counter"), { settings: { limits: { maxClients: 0 } } }),
		);
		expect(status).toBe(400);
		expect(error).toMatch(/limits.maxClients is 0/);
	});

	it("a caller without the admin secret", async () => {
		const wrong = await refusal(await publishRequest(uniqueService(), upload("ts-counter"), { token: "nope" }));
		expect(wrong).toMatchObject({ status: 401, error: "Wrong admin secret." });
		const none = await adminCall("/published", { headers: { authorization: "" } });
		expect(none.status).toBe(401);
	});
});
