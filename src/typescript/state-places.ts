/**
 * Where each object of a room's stored state lives. An object may live at one place only: a
 * field, or one entry of a watched collection. Storage keeps each place apart, so an object at
 * two places would come back as two objects after a reload, while a room that was never
 * evicted still had one; such an alias is refused at the end of the event that creates it.
 *
 * The check costs what the event changed: each place a checkpoint encodes again (every field
 * stored whole, the touched entries of a watched collection) first gives up what it held
 * (its generation goes up, which voids its old claims at once), then claims the objects it
 * holds now. An object with a valid claim elsewhere is an alias. Places that were not encoded
 * again still hold what they held, so their claims stay valid without being looked at.
 */
import { aliasProblem, UnstorableStateError } from "./state-codec.ts";
import { type ProxyGuard, stateProxy } from "./state-proxies.ts";

/** A field, or one entry of a watched collection (whose owner is its field). */
export class Place {
	/** Bumped each time the place is encoded again or goes away: claims made before are void. */
	gen = 0;
	constructor(
		readonly owner?: Place,
		/** Notes a write to this place for the next checkpoint (entries of watched collections). */
		readonly touch?: () => void,
	) {}

	release(): void {
		this.gen += 1;
	}
}

interface Claim {
	readonly place: Place;
	readonly gen: number;
	readonly ownerGen: number;
	readonly path: string;
}

/** A place's objects found by one encoding, each with its path, waiting to be claimed. */
export type Found = Map<object, string>;

/**
 * The claims of one room's state, the objects it keeps to itself (handed out as state proxies
 * only), and whether one of its events is running.
 */
export class Places implements ProxyGuard {
	readonly #claims = new WeakMap<object, Claim>();
	/** Objects Stateroom decoded and keeps: the service only ever holds a proxy for them. */
	readonly #hidden = new WeakSet<object>();
	readonly #proxies = new WeakMap<object, object>();
	/** True while an event runs: state proxies refuse writes outside one. */
	open = false;

	/**
	 * Claims `found` for `place`. Throws an `UnstorableStateError` naming both paths if one of
	 * them is already held by another place. Claims already made stay: a failed checkpoint is
	 * followed by a rollback that rebuilds the state and its claims.
	 */
	claim(place: Place, found: Found): void {
		const ownerGen = place.owner?.gen ?? 0;
		for (const [object, path] of found) {
			const existing = this.#claims.get(object);
			if (existing !== undefined && this.valid(existing) && !(existing.place === place && existing.gen === place.gen)) {
				throw aliasError(path, existing.path);
			}
			this.#claims.set(object, { place, gen: place.gen, ownerGen, path });
		}
	}

	/** Marks objects Stateroom has just decoded as its own: reads hand out proxies for them. */
	hide(found: Found): void {
		for (const object of found.keys()) this.#hidden.add(object);
	}

	isHidden(object: object): boolean {
		return this.#hidden.has(object);
	}

	/** Whether every object of `found` is Stateroom's own (none can be reached without a proxy). */
	allHidden(found: Found): boolean {
		for (const object of found.keys()) if (!this.#hidden.has(object)) return false;
		return true;
	}

	/** The place that holds `object` now, with its path; `undefined` if none does. */
	holder(object: object): { place: Place; path: string } | undefined {
		const claim = this.#claims.get(object);
		return claim !== undefined && this.valid(claim) ? claim : undefined;
	}

	expose(value: unknown): unknown {
		if (typeof value !== "object" || value === null || !this.#hidden.has(value)) return value;
		let proxy = this.#proxies.get(value);
		if (proxy === undefined) {
			proxy = stateProxy(value, this);
			this.#proxies.set(value, proxy);
		}
		return proxy;
	}

	noteWrite(anchor: object): void {
		const holder = this.holder(anchor);
		if (!this.open) throw outsideEventError(holder?.path);
		if (holder === undefined) throw staleError();
		holder.place.touch?.();
	}

	private valid(claim: Claim): boolean {
		return claim.place.gen === claim.gen && (claim.place.owner?.gen ?? 0) === claim.ownerGen;
	}
}

/** The error for a write through a reference to an object the state no longer holds. */
export function staleError(): Error {
	return new Error(
		"An object that is no longer part of the room's state was changed: it was removed, replaced, or rebuilt from storage (after a failed event) at the end of an earlier event, so the change would be lost. Fix: read the object again through its field (e.g. this.players.get(id)) in the event that changes it, rather than keeping a reference from an earlier event.",
	);
}

/** The error for a write to state while no event runs (a callback that outlived its event). */
export function outsideEventError(path: string | undefined): Error {
	return new Error(
		`${path ?? "The room's state"} was changed outside an event (by a callback that ran after its event had ended, e.g. a setTimeout or an unawaited promise, or through a reference kept from before the room was evicted). Stateroom stores state at the end of each event, so such a change would be lost; it is refused. Fix: change state inside a handler, reading it through its fields; to act later, call ctx.setTimer(ms) and make the change in timer().`,
	);
}

function aliasError(path: string, other: string): UnstorableStateError {
	return new UnstorableStateError(path, aliasProblem(other));
}
