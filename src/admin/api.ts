/**
 * The admin API, under `/admin/api/`: what runs (services, their settings, their rooms from the
 * room directory), what is wrong with a room (its details, its stored state), and the fixes
 * (reset, delete). Every route needs the admin secret (auth.ts); every change is logged with
 * the operator's name by the room that makes it.
 */
import { type IRequest, Router } from "itty-router";
import {
	type BindingNames,
	type DirectoryEnv,
	directoryIn,
	type RoomsEnv,
	requireDirectory,
	roomsOf,
} from "../bindings.ts";
import type { RoomEntry } from "../directory/entry.ts";
import { listRooms, serviceTotals, shardOfRoom } from "../directory/listing.ts";
import { HttpError } from "../errors.ts";
import { jsonStringify } from "../intrinsics.ts";
import { hostLog } from "../log.ts";
import { parseRoomId, type RoomAddress, roomName } from "../naming.ts";
import { activeVersion, catalogIn } from "../publish/lookup.ts";
import type { PublishedVersion } from "../publish/versions.ts";
import type { ServiceCatalog } from "../registry.ts";
import type { RoomDetails, RoomStateView } from "../room/details.ts";
import type { WaitUntil } from "../router.ts";
import { resolveSettings } from "../settings.ts";
import { type AdminEnv, authorize, operatorOf } from "./auth.ts";
import { type AdminRequest, addPublishRoutes, gateKey } from "./publish.ts";
import type { AdminError, RoomDeleted, RoomReset, RoomView, ServiceDescription, ServiceList } from "./responses.ts";

export const ADMIN_API = "/admin/api";

export type AdminApiEnv = RoomsEnv & DirectoryEnv & AdminEnv;

/** The Room's operator RPC methods (src/room/room.ts). */
interface RoomAdmin {
	adminDetails(): Promise<RoomDetails | null>;
	adminState(): Promise<RoomStateView | null>;
	adminReset(operator: string): Promise<RoomDetails | null>;
	adminDelete(operator: string): Promise<boolean>;
}

const DEFAULT_PAGE = 50;

/** `base`: where the API answers (`ADMIN_API` under the deployment's path prefix). */
export function createAdminApi(catalog: ServiceCatalog, base: string, names: BindingNames) {
	// The namespaces are read under the deployment's binding names, not through this type.
	const router = Router<IRequest, [AdminEnv, WaitUntil]>({
		base,
		before: [
			async (request: AdminRequest, env) => {
				request.principal = await authorize(request as unknown as Request, env);
				gateKey(request, base);
			},
		],
		catch: (error) => {
			if (error instanceof HttpError)
				return json({ error: error.message } satisfies AdminError, error.status, error.headers);
			hostLog.error("[stateroom] admin API error:", error);
			return json({ error: "Internal error; the Worker's log has the details." } satisfies AdminError, 500);
		},
	});

	/** A bundled service's name, or a published one's with the version it runs. */
	const findService = async (request: IRequest, env: unknown): Promise<FoundService> => {
		const service = request.params.service ?? "";
		if (catalog.has(service)) return { service, published: undefined };
		const published = catalogIn(env);
		const record = published ? await activeVersion(published, service) : null;
		if (!record) {
			throw new HttpError(
				404,
				`No service named "${service}". Registered services: ${catalog.names().join(", ")}${published ? "; published ones are listed by GET published" : ""}.`,
			);
		}
		return { service, published: record };
	};
	const serviceOf = async (request: IRequest, env: unknown): Promise<string> =>
		(await findService(request, env)).service;
	const roomOf = async (request: IRequest, env: unknown): Promise<RoomAddress> => ({
		service: await serviceOf(request, env),
		roomId: parseRoomId(request.params.room),
	});

	router
		.get("/services", async (_request, env) => {
			const published = catalogIn(env);
			const more = published ? await published.list() : [];
			const versions = more.flatMap(({ versions, active }) => versions.filter((entry) => entry.version === active));
			return json({
				default: catalog.defaultService,
				services: [
					...catalog.names().map((name) => describeService(catalog, name)),
					...versions.map(describePublished),
				],
			} satisfies ServiceList);
		})
		.get("/services/:service", async (request, env) => {
			const { service, published } = await findService(request, env);
			return json({
				...(published ? describePublished(published) : describeService(catalog, service)),
				totals: await serviceTotals(requireDirectory(env, names), service),
			} satisfies ServiceDescription);
		})
		.get("/services/:service/rooms", async (request, env) => {
			const service = await serviceOf(request, env);
			return json(await listRooms(requireDirectory(env, names), service, roomQuery(new URL(request.url).searchParams)));
		})
		.get("/services/:service/rooms/:room", async (request, env) => {
			const room = await roomOf(request, env);
			const details = await roomAdmin(roomsOf(env, names), room).adminDetails();
			if (!details) throw noRoom(room);
			const directory = directoryIn(env, names);
			const entry: RoomEntry | null = directory ? await shardOfRoom(directory, room).get(room.roomId) : null;
			return json({ room: details, directory: entry } satisfies RoomView);
		})
		.get("/services/:service/rooms/:room/state", async (request, env) => {
			const room = await roomOf(request, env);
			const state = await roomAdmin(roomsOf(env, names), room).adminState();
			if (!state) throw noRoom(room);
			return json(state);
		})
		.post("/services/:service/rooms/:room/reset", async (request, env) => {
			const room = await roomOf(request, env);
			const details = await roomAdmin(roomsOf(env, names), room).adminReset(operatorOf(request as unknown as Request));
			if (!details) throw noRoom(room);
			return json({ reset: true, room: details } satisfies RoomReset);
		})
		.delete("/services/:service/rooms/:room", async (request, env) => {
			const room = await roomOf(request, env);
			if (!(await roomAdmin(roomsOf(env, names), room).adminDelete(operatorOf(request as unknown as Request))))
				throw noRoom(room);
			return json({ deleted: true, service: room.service, roomId: room.roomId } satisfies RoomDeleted);
		});
	addPublishRoutes(router as unknown as Parameters<typeof addPublishRoutes>[0], catalog, json);
	router.all("*", (request) => {
		throw new HttpError(
			404,
			`No admin route ${request.method} ${new URL(request.url).pathname}. Routes: GET services, GET services/:service, GET services/:service/rooms, GET|DELETE services/:service/rooms/:room, GET .../state, POST .../reset; GET published, GET|PUT|DELETE published/:service, POST published/:service/versions/:version/activate, DELETE published/:service/versions/:version (all under ${base}/).`,
		);
	});
	return router;
}

interface FoundService {
	readonly service: string;
	/** The version a published service runs; `undefined` for a bundled one. */
	readonly published: PublishedVersion | undefined;
}

function describePublished(record: PublishedVersion): ServiceDescription {
	return {
		name: record.service,
		language: record.language,
		default: false,
		settings: resolveSettings(record.service, record.settings),
		version: record.version,
	};
}

function describeService(catalog: ServiceCatalog, name: string): ServiceDescription {
	const entry = catalog.get(name);
	return { name, language: entry.factory.language, default: name === catalog.defaultService, settings: entry.settings };
}

function roomAdmin(rooms: DurableObjectNamespace, room: RoomAddress): RoomAdmin {
	// The namespace is untyped (it serves whichever Room subclass the entry module exports).
	return rooms.get(rooms.idFromName(roomName(room.service, room.roomId))) as unknown as RoomAdmin;
}

function noRoom(room: RoomAddress): HttpError {
	return new HttpError(
		404,
		`Service "${room.service}" has no room "${room.roomId}": it was never opened, or it was deleted.`,
	);
}

/** `?filter=text&connected=1&failing=1&limit=50&after=<cursor>`; bad values are refused. */
export function roomQuery(params: URLSearchParams) {
	const limitText = params.get("limit");
	const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
	if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
		throw new HttpError(400, `"limit" must be a whole number from 1 to 500; got "${limitText}".`);
	}
	const flag = (name: string) => {
		const value = params.get(name);
		if (value === null || value === "" || value === "0" || value === "false") return false;
		if (value === "1" || value === "true") return true;
		throw new HttpError(400, `"${name}" must be 1/true or 0/false; got "${value}".`);
	};
	const filter = params.get("filter") ?? "";
	const after = params.get("after");
	return {
		limit,
		connected: flag("connected"),
		failing: flag("failing"),
		...(filter ? { filter } : {}),
		...(after !== null ? { after } : {}),
	};
}

function json(body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): Response {
	return new Response(`${jsonStringify(body, null, "\t")}\n`, {
		status,
		headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
	});
}
