/**
 * Who a client is, as the Worker established it when the client connected: from a signed join
 * token, from the deployment's `authorize` hook, or both. A public room's clients have none.
 */
export interface Identity {
	/** The user id: the token's `sub`, or what `authorize` gave; `undefined` if neither said. */
	readonly user: string | undefined;
	/** Free-form claims (the token's `claims`, merged with `authorize`'s); plain JSON data. */
	readonly claims: Readonly<Record<string, unknown>>;
}
