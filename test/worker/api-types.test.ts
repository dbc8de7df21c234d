/** The public API's types: what compiles and what must not, checked by tsc when `npm test` runs it (vitest typecheck mode) and by `npm run typecheck`. */
import {
	ClientId,
	type ConnectedClient,
	MessagePayload,
	MessageRecipient,
	type Service,
	type ServiceClass,
	type ServiceContext,
} from "stateroom";
import { describe, expect, expectTypeOf, it } from "vitest";

describe("public types", () => {
	it("brands client ids so a bare number is not a client", () => {
		expectTypeOf<number>().not.toMatchTypeOf<ClientId>();
		expectTypeOf(ClientId.of(3)).toEqualTypeOf<ClientId>();
		expect(ClientId.format(ClientId.of(3))).toBe("ClientId(3)");
		expect(() => ClientId.of(0)).toThrow(/from 1 to 4294967295/);
	});

	it("narrows payloads by kind, with Option-like accessors", () => {
		const payload = MessagePayload.from("hi") as MessagePayload;
		if (payload.kind === "text") expectTypeOf(payload.value).toEqualTypeOf<string>();
		else expectTypeOf(payload.value).toEqualTypeOf<Uint8Array>();
		expectTypeOf(payload.text()).toEqualTypeOf<string | undefined>();
		expect(MessagePayload.from(new Uint8Array([1])).text()).toBeUndefined();
		expect(MessagePayload.from("x").bytes()).toBeUndefined();
	});

	it("accepts a recipient or a bare client id, and strings or bytes as messages", () => {
		type Send = Parameters<ServiceContext["sendMessage"]>;
		expectTypeOf<MessageRecipient | ClientId>().toMatchTypeOf<Send[0]>();
		expectTypeOf<string | Uint8Array | ArrayBuffer | MessagePayload>().toMatchTypeOf<Send[1]>();
		expectTypeOf<number>().not.toMatchTypeOf<Send[0]>();
		expect(MessageRecipient.from(ClientId.of(2))).toEqual({ kind: "client", client: 2 });
	});

	it("lets a class with only some callbacks be a Service", () => {
		class OnlyTimer implements Service {
			timer(): void {}
		}
		expectTypeOf<OnlyTimer>().toMatchTypeOf<Service>();
	});

	it("types ctx.env by the service's Env, a record of unknowns by default", () => {
		interface Env {
			readonly GREETING: string;
		}
		class Greeter implements Service<Env> {
			connect(client: ClientId, ctx: ServiceContext<Env>): void {
				ctx.sendMessage(client, ctx.env.GREETING);
			}
		}
		// A class that declares its Env still registers as a service.
		expectTypeOf(Greeter).toMatchTypeOf<ServiceClass>();
		expectTypeOf<ServiceContext<Env>["env"]>().toEqualTypeOf<Env>();
		expectTypeOf<ServiceContext["env"]>().toEqualTypeOf<Record<string, unknown>>();
		expectTypeOf<ReturnType<ServiceContext["clients"]>>().toEqualTypeOf<readonly ConnectedClient[]>();
		expectTypeOf<Parameters<ServiceContext["close"]>>().toEqualTypeOf<[ClientId, number?, string?]>();
		expectTypeOf<ReturnType<ServiceContext["connection"]>["state"]>().toEqualTypeOf<unknown>();
	});
});
