import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { fingerprint } from "../../shared/auth/tokens.js";
import type { InstanceFields } from "../../shared/model/instance.js";
import { documentClient } from "../../shared/store/dynamodb/client.js";
import type { InstanceItem } from "../../shared/store/dynamodb/item.js";
import { catalogKey, instanceKey } from "../../shared/store/dynamodb/keys.js";
import { contentHash } from "../../shared/store/item.js";
import type { Store } from "../../shared/store/store.js";
import { instanceFields } from "./instances.js";
import { irohNodeId } from "./iroh-keys.js";

const BATCH = 25;
const IN_FLIGHT = 16;

const BULK_IROH_NODE_ID = irohNodeId(1);

/** What instance `n` of a bulk load carries: a plain Blixard node at its own address. */
function bulkFields(n: number): InstanceFields {
  const address = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:7001`;
  return instanceFields({
    address,
    direct_addresses: [address],
    // One real key for all: Blixard's files need a valid one, and they need not differ.
    iroh_node_id: BULK_IROH_NODE_ID,
    cluster_node_id: n,
  });
}

/** The instance a bulk load writes as number `n`: a small, plain node (no per-node key). */
export function bulkInstanceId(n: number): string {
  return `node-${String(n).padStart(6, "0")}`;
}

/**
 * Writes `count` live instances of `service` straight into the table with BatchWriteItem, as
 * `token`'s heartbeats would have left them (same item shape, shard and owner), plus the
 * service's catalog entry: a 100,000-instance service in seconds, not 100,000 HTTP heartbeats.
 * Unprocessed items are sent again until none are left.
 */
export async function bulkLoad(input: {
  client: DynamoDBClient;
  tableName: string;
  service: string;
  count: number;
  token: string;
  nowMs: number;
  ttl: number;
}): Promise<void> {
  const { client, tableName, service, count, token, nowMs, ttl } = input;
  const doc = documentClient(client);
  const owner = fingerprint(token);
  const item = (n: number): InstanceItem => {
    const fields = bulkFields(n);
    return {
      ...instanceKey(service, bulkInstanceId(n)),
      service,
      id: bulkInstanceId(n),
      ...fields,
      source: "heartbeat",
      owner,
      content_hash: contentHash({ ...fields, ttl }),
      ttl,
      registered_at: nowMs,
      last_seen: nowMs,
      expires_at: Math.floor((nowMs + ttl * 1000) / 1000),
    };
  };
  const write = async (items: Record<string, unknown>[]) => {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 20) throw new Error(`bulk load: ${pending.length} items never written`);
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  };
  await write([{ ...catalogKey(service), service }]);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + BATCH);
      const items = [];
      for (let n = start; n < next; n++) items.push(item(n) as unknown as Record<string, unknown>);
      await write(items);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/**
 * The same instances through a store's own heartbeat (the SQLite store has no bulk path of
 * its own), a few hundred at a time so that they share commits.
 */
export async function bulkHeartbeats(input: {
  store: Store;
  service: string;
  count: number;
  token: string;
  nowMs: number;
  ttl: number;
}): Promise<void> {
  const { store, service, count, token, nowMs, ttl } = input;
  const owner = fingerprint(token);
  const CHUNK = 500;
  for (let start = 0; start < count; start += CHUNK) {
    const writes = [];
    for (let n = start; n < Math.min(count, start + CHUNK); n++) {
      writes.push(
        store.heartbeat({
          service,
          id: bulkInstanceId(n),
          fields: bulkFields(n),
          ttl,
          owner,
          source: "heartbeat",
          nowMs,
        }),
      );
    }
    for (const result of await Promise.all(writes)) {
      if (result.kind !== "created") throw new Error(`bulk heartbeats: ${result.kind}`);
    }
  }
}
