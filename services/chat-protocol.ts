/**
 * What the chat service (services/chat.ts) sends: one JSON event per message. Shared with the
 * demo page (public/src/chat.ts), so server and page cannot drift apart. No imports on purpose:
 * the page's browser build and the Worker both read it.
 */
export type ChatEvent =
	| { type: "welcome"; client: number; name: string; members: { client: number; name: string }[] }
	| { type: "joined"; client: number; name: string }
	| { type: "left"; client: number; name: string }
	| { type: "renamed"; client: number; from: string; to: string }
	| { type: "said"; client: number; name: string; text: string }
	| { type: "error"; message: string };
