/** The admin API as the operator page calls it, with the secret and name the operator gave. */
import type {
	PublishedService,
	PublishedVersion,
	RoomDeleted,
	RoomDetails,
	RoomEntry,
	RoomPage,
	RoomReset,
	RoomStateView,
	RoomView,
	ServiceDescription,
	ServiceList,
	VersionActivated,
	VersionDeleted,
} from "../../../src/admin/responses.ts";

export type { PublishedService, PublishedVersion, RoomDetails, RoomEntry, ServiceDescription };

/** A refusal of the admin API: its status and message. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export interface Credentials {
	readonly secret: string;
	readonly operator: string;
}

/**
 * Where the admin API answers: `api` next to this script. The page is served at `admin/` under
 * the deployment's path prefix (`/admin/`, or `/rooms/admin/` with `prefix: "/rooms"`), and the API
 * at `admin/api` under the same prefix, so the page follows the prefix without being told it.
 */
const API_BASE = new URL("api", import.meta.url).href;

export class AdminApi {
	constructor(private readonly credentials: Credentials) {}

	services(): Promise<ServiceList> {
		return this.call("GET", "/services");
	}

	service(name: string): Promise<ServiceDescription> {
		return this.call("GET", `/services/${encodeURIComponent(name)}`);
	}

	rooms(service: string, query: URLSearchParams): Promise<RoomPage> {
		return this.call("GET", `/services/${encodeURIComponent(service)}/rooms?${query}`);
	}

	room(service: string, room: string): Promise<RoomView> {
		return this.call("GET", roomPath(service, room));
	}

	state(service: string, room: string): Promise<RoomStateView> {
		return this.call("GET", `${roomPath(service, room)}/state`);
	}

	reset(service: string, room: string): Promise<RoomReset> {
		return this.call("POST", `${roomPath(service, room)}/reset`);
	}

	remove(service: string, room: string): Promise<RoomDeleted> {
		return this.call("DELETE", roomPath(service, room));
	}

	/** A published service's versions. */
	published(name: string): Promise<PublishedService> {
		return this.call("GET", `/published/${encodeURIComponent(name)}`);
	}

	/** Makes a version the one a published service's rooms run (a rollback, or forward again). */
	activate(name: string, version: string): Promise<VersionActivated> {
		return this.call("POST", `/published/${encodeURIComponent(name)}/versions/${version}/activate`);
	}

	deleteVersion(name: string, version: string): Promise<VersionDeleted> {
		return this.call("DELETE", `/published/${encodeURIComponent(name)}/versions/${version}`);
	}

	private async call<T>(method: string, path: string): Promise<T> {
		const response = await fetch(`${API_BASE}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${this.credentials.secret}`,
				"x-stateroom-operator": this.credentials.operator,
			},
		});
		const text = await response.text();
		if (!response.ok) {
			let message = text;
			try {
				message = (JSON.parse(text) as { error?: string }).error ?? text;
			} catch {
				// Not JSON: a proxy's page, shown as it is.
			}
			throw new ApiError(response.status, message);
		}
		return JSON.parse(text) as T;
	}
}

function roomPath(service: string, room: string): string {
	return `/services/${encodeURIComponent(service)}/rooms/${encodeURIComponent(room)}`;
}
