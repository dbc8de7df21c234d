/**
 * A client's id within one room: a `u32`, starting at 1, never reused while the room lives.
 * As in the TypeScript API it is a plain number, so it works as a `Map` key.
 */
export type ClientId = u32;

export namespace ClientId {
	/**
	 * Formats an id the way upstream Stateroom prints it (`ClientId(3)`), so AssemblyScript
	 * services produce byte-identical messages to the Rust examples.
	 *
	 * @example
	 * ctx.sendMessage(client, `User ${ClientId.format(client)} connected.`);
	 */
	export function format(id: ClientId): string {
		return `ClientId(${id})`;
	}
}
