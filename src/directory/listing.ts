/**
 * Reads a service's directory: one room's entry from its shard, or a page of rooms gathered
 * from every shard. Each shard returns its first `limit` matches after the cursor; the
 * smallest `limit` of all of them, in room id order, are the page, and the last one's id is
 * the next cursor. A shard that fails makes the whole listing fail rather than silently
 * leaving its rooms out.
 */

import { floor, max, min } from "../intrinsics.ts";
import type { RoomAddress, ServiceName } from "../naming.ts";
import type { DirectoryShard } from "./directory.ts";
import { compareRoomIds, MAX_PAGE, type RoomPage, type RoomQuery, type ServiceTotals } from "./entry.ts";
import { DIRECTORY_SHARDS, roomShardStub, shardStub } from "./shards.ts";

function rpc(stub: DurableObjectStub): DirectoryShard {
	// Stubs of an untyped namespace do not know the class's methods; these are Directory's.
	return stub as unknown as DirectoryShard;
}

export function shardOfRoom(namespace: DurableObjectNamespace, room: RoomAddress): DirectoryShard {
	return rpc(roomShardStub(namespace, room));
}

export async function listRooms(
	namespace: DurableObjectNamespace,
	service: ServiceName,
	query: RoomQuery,
): Promise<RoomPage> {
	const limit = max(1, min(MAX_PAGE, floor(query.limit)));
	const shards = Array.from({ length: DIRECTORY_SHARDS }, (_, shard) => rpc(shardStub(namespace, service, shard)));
	const pages = await Promise.all(shards.map((shard) => shard.list({ ...query, limit })));
	const merged = pages.flat().sort((a, b) => compareRoomIds(a.roomId, b.roomId));
	const rooms = merged.slice(0, limit);
	// More may follow if any shard filled its page, or the merge had more than one page.
	const more = merged.length > limit || pages.some((page) => page.length === limit);
	const last = rooms.at(-1);
	return { rooms, cursor: more && last ? last.roomId : null };
}

export async function serviceTotals(namespace: DurableObjectNamespace, service: ServiceName): Promise<ServiceTotals> {
	const shards = Array.from({ length: DIRECTORY_SHARDS }, (_, shard) => rpc(shardStub(namespace, service, shard)));
	const totals = await Promise.all(shards.map((shard) => shard.totals()));
	return totals.reduce((sum, shard) => ({
		rooms: sum.rooms + shard.rooms,
		clients: sum.clients + shard.clients,
		failingRooms: sum.failingRooms + shard.failingRooms,
	}));
}
