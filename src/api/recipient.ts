import type { ClientId } from "./client-id.ts";

/** Who receives a message. `broadcast` includes the sender; `everyoneExcept` skips one client. */
export type MessageRecipient =
	| { readonly kind: "broadcast" }
	| { readonly kind: "client"; readonly client: ClientId }
	| { readonly kind: "everyoneExcept"; readonly client: ClientId };

/** A recipient, or a bare client id as shorthand for that one client (as in Rust's `Into`). */
export type RecipientLike = MessageRecipient | ClientId;

export const MessageRecipient = {
	broadcast(): MessageRecipient {
		return { kind: "broadcast" };
	},
	client(client: ClientId): MessageRecipient {
		return { kind: "client", client };
	},
	everyoneExcept(client: ClientId): MessageRecipient {
		return { kind: "everyoneExcept", client };
	},
	from(value: RecipientLike): MessageRecipient {
		return typeof value === "number" ? { kind: "client", client: value } : value;
	},
} as const;
