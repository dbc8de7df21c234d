import { ClientId } from "./client-id";

/** The ABI's recipient kinds; the values are the bincode variant indexes. */
export const enum RecipientKind {
	Broadcast = 0,
	Client = 1,
	EveryoneExcept = 2,
}

/** Who receives a message. `broadcast` includes the sender; `everyoneExcept` skips one client. */
export class MessageRecipient {
	private constructor(
		readonly kind: RecipientKind,
		readonly client: ClientId,
	) {}

	static broadcast(): MessageRecipient {
		return new MessageRecipient(RecipientKind.Broadcast, 0);
	}

	static client(client: ClientId): MessageRecipient {
		return new MessageRecipient(RecipientKind.Client, client);
	}

	static everyoneExcept(client: ClientId): MessageRecipient {
		return new MessageRecipient(RecipientKind.EveryoneExcept, client);
	}
}
