/** The public API's types: what compiles and what must not, checked by tsc when `npm test` runs it (vitest typecheck mode) and by `npm run typecheck`. */
import {
	ClientId,
	type ConnectedClient,
	defineServices,
	jsonMessages,
	type MessageCodec,
	MessagePayload,
	MessageRecipient,
	type PayloadLike,
	type RoomHandle,
	type RoomRequestInfo,
	type Service,
	type ServiceClass,
	type ServiceContext,
	type Stateroom,
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

type Command = { readonly type: "say"; readonly text: string };
type ChatEvent = { readonly type: "said"; readonly text: string };

/** A service with typed messages, as docs/services.md shows it. */
class Chat implements Service<Record<string, unknown>, Command, ChatEvent> {
	static messages = jsonMessages<Command, ChatEvent>();
	message(_client: ClientId, command: Command, ctx: ServiceContext<Record<string, unknown>, ChatEvent>): void {
		ctx.sendMessage(MessageRecipient.broadcast(), { type: "said", text: command.text });
	}
}

/** A service with an HTTP handler. */
class Hook implements Service {
	request(request: Request, ctx: ServiceContext, info: RoomRequestInfo): Response {
		ctx.sendMessage(MessageRecipient.broadcast(), `${request.method} ${info.path} by ${info.identity?.user}`);
		return new Response("ok");
	}
}

/** Never called: a deployment may be built once per Worker, so its types are checked on a value of its type. */
type Chatroom = Stateroom<{ readonly default: "chat"; readonly services: { chat: typeof Chat; hook: typeof Hook } }>;

describe("typed messages", () => {
	it("types message() by In and ctx.sendMessage by Out, and refuses other shapes", () => {
		type ChatContext = ServiceContext<Record<string, unknown>, ChatEvent>;
		expectTypeOf<Parameters<ChatContext["sendMessage"]>[1]>().toEqualTypeOf<ChatEvent>();
		expectTypeOf<Parameters<NonNullable<Chat["message"]>>[1]>().toEqualTypeOf<Command>();
		const misuse = (ctx: ChatContext) => {
			// @ts-expect-error a typed service sends its Out, not text.
			ctx.sendMessage(MessageRecipient.broadcast(), "said hi");
			// @ts-expect-error nor an Out of the wrong shape.
			ctx.sendMessage(MessageRecipient.broadcast(), { type: "say", text: "hi" });
		};
		class Wrong implements Service<Record<string, unknown>, Command, ChatEvent> {
			// @ts-expect-error message() receives a Command, which has no `kind`.
			message(_client: ClientId, command: { kind: "text" }): void {
				void command;
			}
		}
		expect([typeof misuse, typeof Wrong]).toEqual(["function", "function"]);
		// Without type arguments, frames come in and strings or bytes go out, as before.
		expectTypeOf<Parameters<NonNullable<Service["message"]>>[1]>().toEqualTypeOf<MessagePayload>();
		expectTypeOf<Parameters<ServiceContext["sendMessage"]>[1]>().toEqualTypeOf<PayloadLike>();
	});

	it("registers a typed service with its codec, and a service with an HTTP handler", () => {
		expectTypeOf(Chat).toMatchTypeOf<ServiceClass>();
		expectTypeOf(Hook).toMatchTypeOf<ServiceClass>();
		expectTypeOf(Chat.messages).toEqualTypeOf<MessageCodec<Command, ChatEvent>>();
		expect(defineServices({ default: "chat", services: { chat: Chat, hook: Hook } }).services.chat).toBe(Chat);
		class Uncoded implements Service<Record<string, unknown>, Command, ChatEvent> {
			message(_client: ClientId, command: Command): void {
				void command;
			}
		}
		const register = () =>
			// @ts-expect-error typed messages need a codec: without one, message() would get frames typed as Commands.
			defineServices({ default: "uncoded", services: { uncoded: Uncoded } });
		const configured = () =>
			// @ts-expect-error the same in { implementation, ...settings }.
			defineServices({ default: "uncoded", services: { uncoded: { implementation: Uncoded } } });
		expect([typeof register, typeof configured]).toEqual(["function", "function"]);
		class NotAResponse implements Service {
			// @ts-expect-error request() answers with a Response.
			request(): string {
				return "ok";
			}
		}
		expect(typeof NotAResponse).toBe("function");
	});

	it("types a room handle by its service's codec, and its service by the registry", () => {
		const use = async (stateroom: Chatroom, env: object) => {
			const chat = stateroom.room(env, "chat", "lobby");
			expectTypeOf(chat).toEqualTypeOf<RoomHandle<ChatEvent>>();
			await chat.broadcast({ type: "said", text: "hi" });
			// @ts-expect-error the chat service sends ChatEvents, not text.
			await chat.broadcast("hi");
			expectTypeOf(stateroom.room(env, "hook", "lobby")).toEqualTypeOf<RoomHandle<PayloadLike>>();
			await stateroom.room(env, "hook", "lobby").send(ClientId.of(1), new Uint8Array([1]));
			// @ts-expect-error no service of that name is registered.
			stateroom.room(env, "nope", "lobby");
			const response: Response = await chat.fetch("/history", { method: "POST" });
			return response;
		};
		expect(typeof use).toBe("function");
	});
});
