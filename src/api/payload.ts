/**
 * One WebSocket message: text frames arrive as text, binary frames as bytes, and each
 * goes back out as the same kind of frame.
 */
export type MessagePayload = TextPayload | BytesPayload;

interface PayloadAccessors {
	/** The text, or `undefined` for a binary payload (like Rust's `Option<&str>`). */
	text(): string | undefined;
	/** The bytes, or `undefined` for a text payload (like Rust's `Option<&[u8]>`). */
	bytes(): Uint8Array | undefined;
}

export interface TextPayload extends PayloadAccessors {
	readonly kind: "text";
	readonly value: string;
}

export interface BytesPayload extends PayloadAccessors {
	readonly kind: "bytes";
	readonly value: Uint8Array;
}

/** Anything a service may send: a payload, a string (text frame) or bytes (binary frame). */
export type PayloadLike = MessagePayload | string | Uint8Array | ArrayBuffer;

export const MessagePayload = {
	text(value: string): TextPayload {
		return {
			kind: "text",
			value,
			// Methods, not arrow functions: a bundler that keeps function names (wrangler does)
			// would otherwise rename each arrow at run time, on every message.
			text() {
				return value;
			},
			bytes() {
				return undefined;
			},
		};
	},

	bytes(value: Uint8Array | ArrayBuffer): BytesPayload {
		const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
		return {
			kind: "bytes",
			value: bytes,
			text() {
				return undefined;
			},
			bytes() {
				return bytes;
			},
		};
	},

	from(value: PayloadLike): MessagePayload {
		if (typeof value === "string") return MessagePayload.text(value);
		if (value instanceof Uint8Array || value instanceof ArrayBuffer) return MessagePayload.bytes(value);
		return value;
	},
} as const;
