/**
 * A client's id within one room: a `u32`, starting at 1, never reused while the room lives.
 *
 * It is a plain number at run time (so it works as a `Map` key and survives persistence),
 * branded at compile time so that a stray number cannot be passed where a client is meant.
 */
export type ClientId = number & { readonly __brand: "ClientId" };

const U32_MAX = 0xffff_ffff;

export const ClientId = {
	/** Brands a number as a client id; throws on anything that is not a u32 greater than 0. */
	of(value: number): ClientId {
		if (!Number.isInteger(value) || value < 1 || value > U32_MAX) {
			throw new RangeError(`A client id is an integer from 1 to ${U32_MAX}; got ${value}.`);
		}
		return value as ClientId;
	},

	/**
	 * Formats an id the way upstream Stateroom prints it (`ClientId(3)`), so TypeScript
	 * services can produce byte-identical messages to the Rust examples.
	 *
	 * @example
	 * ctx.sendMessage(client, `User ${ClientId.format(client)} connected.`);
	 */
	format(id: ClientId): string {
		return `ClientId(${id})`;
	},
} as const;
