/**
 * One WebSocket message: text frames arrive as text, binary frames as bytes, and each goes
 * back out as the same kind of frame.
 */
export class MessagePayload {
	private constructor(
		private readonly textValue: string | null,
		private readonly bytesValue: Uint8Array | null,
	) {}

	static text(value: string): MessagePayload {
		return new MessagePayload(value, null);
	}

	static bytes(value: Uint8Array): MessagePayload {
		return new MessagePayload(null, value);
	}

	/** True for a text frame. */
	get isText(): bool {
		return this.textValue !== null;
	}

	/** The text, or `null` for a binary payload (the TypeScript API's `undefined`). */
	text(): string | null {
		return this.textValue;
	}

	/** The bytes, or `null` for a text payload (the TypeScript API's `undefined`). */
	bytes(): Uint8Array | null {
		return this.bytesValue;
	}
}
