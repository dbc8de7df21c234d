/**
 * How the directory is sharded: each service has `DIRECTORY_SHARDS` Directory objects, and a
 * room's entry lives in the one its id hashes to (FNV-1a over the id's UTF-8 bytes). Reports
 * from many rooms spread over the shards, so a service's directory takes N objects' write
 * throughput; a listing asks every shard of the service and merges their pages.
 *
 * The count is fixed: changing it would move rooms to other shards and orphan their entries.
 */

import { imul, utf8Encode } from "../intrinsics.ts";
import type { RoomAddress, ServiceName } from "../naming.ts";

export const DIRECTORY_SHARDS = 16;

/** The shard (0 to DIRECTORY_SHARDS - 1) that holds a room's entry. */
export function shardOf(roomId: string): number {
	let hash = 0x811c9dc5;
	for (const byte of utf8Encode(roomId)) {
		hash ^= byte;
		hash = imul(hash, 0x01000193) >>> 0;
	}
	return hash % DIRECTORY_SHARDS;
}

/**
 * The Durable Object name of one shard. Service names cannot contain "/", so two services never
 * share a shard.
 */
export function shardName(service: ServiceName, shard: number): string {
	return `directory/${service}/${shard}`;
}

export function shardStub(namespace: DurableObjectNamespace, service: ServiceName, shard: number): DurableObjectStub {
	return namespace.get(namespace.idFromName(shardName(service, shard)));
}

export function roomShardStub(namespace: DurableObjectNamespace, room: RoomAddress): DurableObjectStub {
	return shardStub(namespace, room.service, shardOf(room.roomId));
}
