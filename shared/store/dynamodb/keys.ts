/**
 * Key layout of the one table.
 *
 * A service is spread over SHARDS partition keys so that 100,000 instances heartbeating every
 * 10 s (10,000 writes/s, 625 a shard) stay under DynamoDB's 1,000 writes/s per partition key
 * with room for an uneven hash (docs/scale.md). An instance always lands on the same shard (a
 * hash of its id), so a renewal overwrites the item it wrote last time. Changing SHARDS moves
 * ids: a table written with another count lists a moved id twice until its old item lapses.
 */
export const SHARDS = 16;

export const CATALOG_PK = "catalog";
export const HEALTH_KEY = { pk: "health", sk: "health" } as const;

export function shardOf(id: string): number {
  // FNV-1a: stable across processes and runtimes, unlike anything seeded.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARDS;
}

export function servicePartition(service: string, shard: number): string {
  return `svc#${service}#${shard}`;
}

export function instanceKey(service: string, id: string): { pk: string; sk: string } {
  return { pk: servicePartition(service, shardOf(id)), sk: `i#${id}` };
}

export function catalogKey(service: string): { pk: string; sk: string } {
  return { pk: CATALOG_PK, sk: `svc#${service}` };
}

export function serviceFromCatalogSk(sk: string): string {
  return sk.slice("svc#".length);
}

/** The reconciler's per-source state: one small item each, outside every service partition. */
export const RECONCILE_PK = "reconcile";

export function reconcileKey(name: string): { pk: string; sk: string } {
  return { pk: RECONCILE_PK, sk: name };
}
