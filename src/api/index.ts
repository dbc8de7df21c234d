/** The service API: what a Stateroom service is written against. */
export { ClientId } from "./client-id.ts";
export type { Identity } from "./identity.ts";
export { jsonMessages, type MessageCodec } from "./messages.ts";
export { type BytesPayload, MessagePayload, type PayloadLike, type TextPayload } from "./payload.ts";
export { MessageRecipient, type RecipientLike } from "./recipient.ts";
export type {
	ConnectedClient,
	Connection,
	Persistence,
	RoomRequestInfo,
	Service,
	ServiceClass,
	ServiceContext,
} from "./service.ts";
