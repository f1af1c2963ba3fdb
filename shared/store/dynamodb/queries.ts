import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../map-limit.js";
import type { Instance } from "../../model/instance.js";
import { live } from "../rules.js";
import { type InstancePage, InvalidCursorError, type PageRequest } from "../store.js";
import { SHARDS, servicePartition } from "./keys.js";

/** How DynamoStore runs a call: errors classified, capacity reported (dynamo-store.ts). */
export type Call = <T extends { ConsumedCapacity?: ConsumedCapacity }>(
  operation: string,
  run: () => Promise<T>,
) => Promise<T>;

/** The reads of a service's shards, shared by DynamoStore's listing, paging and counting. */
export interface QueryContext {
  doc: DynamoDBDocumentClient;
  table: string;
  call: Call;
  /** Spread into every request: ReturnConsumedCapacity when it is reported. */
  capacity: { ReturnConsumedCapacity?: "TOTAL" };
  /** Spread into every Query: capacity, and the tests' page Limit. */
  extra: { ReturnConsumedCapacity?: "TOTAL"; Limit?: number };
  /** Shards read at once by a listing or a count. */
  shardConcurrency: number;
  /** An item as an instance at `nowMs`; undefined (reported once) for one that does not decode. */
  decode: (item: Record<string, unknown>, nowMs: number) => Instance | undefined;
}

/** Runs `fn` for every shard, at most `q.shardConcurrency` at a time. */
export async function eachShard(
  q: QueryContext,
  fn: (shard: number) => Promise<void>,
): Promise<void> {
  const shards = Array.from({ length: SHARDS }, (_, shard) => shard);
  await mapLimit(shards, q.shardConcurrency, undefined, fn);
}

/** Runs a Query and every following page. */
export async function queryAll(
  q: QueryContext,
  operation: string,
  input: QueryCommandInput,
  each: (item: Record<string, unknown>) => void,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = start ? { ExclusiveStartKey: start } : {};
    const out = await q.call(operation, () =>
      q.doc.send(new QueryCommand({ ...q.extra, ...input, ...page })),
    );
    for (const item of out.Items ?? []) each(item);
    start = out.LastEvaluatedKey;
  } while (start);
}

/**
 * Every item of one partition (the catalog, the reconciler's states), strongly consistent: a
 * write that has just landed must be seen. `projection` names plain attributes only.
 */
export async function queryPartition(
  q: QueryContext,
  operation: string,
  pk: string,
  each: (item: Record<string, unknown>) => void,
  projection?: string,
): Promise<void> {
  await queryAll(
    q,
    operation,
    {
      TableName: q.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection } : {}),
    },
    each,
  );
}

/**
 * A Query of one shard's live items: the lease rule (rules.ts) as its filter, with the
 * names the caller's projection uses beside the filter's.
 */
export function liveInShard(
  q: QueryContext,
  service: string,
  shard: number,
  nowMs: number,
  projectionNames: Record<string, string> = {},
) {
  const filter = live.condition({ nowMs });
  return {
    TableName: q.table,
    KeyConditionExpression: "pk = :pk",
    FilterExpression: filter.expression,
    ExpressionAttributeNames: { ...projectionNames, ...filter.names },
    ExpressionAttributeValues: { ":pk": servicePartition(service, shard), ...filter.values },
  };
}

/** Every live item of a service: all shards in parallel, every page of each. */
export async function queryService<T>(
  q: QueryContext,
  service: string,
  nowMs: number,
  projection?: string,
  consistent = true,
): Promise<T[]> {
  const pages: T[][] = new Array(SHARDS);
  await eachShard(q, async (shard) => {
    const items: T[] = [];
    const names: Record<string, string> = {};
    if (projection?.includes("#status")) names["#status"] = "status";
    if (projection?.includes("#owner")) names["#owner"] = "owner";
    if (projection?.includes("#id")) names["#id"] = "id";
    await queryAll(
      q,
      "list",
      {
        ...liveInShard(q, service, shard, nowMs, names),
        ConsistentRead: consistent,
        ...(projection ? { ProjectionExpression: projection } : {}),
      },
      (item) => items.push(item as T),
    );
    pages[shard] = items;
  });
  return pages.flat();
}

interface Cursor {
  /** The shard the next page starts in. */
  s: number;
  /** The sort key to continue after, within that shard. */
  k?: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string | undefined): Cursor {
  if (text === undefined) return { s: 0 };
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
    if (
      Number.isInteger(c.s) &&
      c.s >= 0 &&
      c.s < SHARDS &&
      (c.k === undefined || (typeof c.k === "string" && c.k.startsWith("i#")))
    ) {
      return c.k === undefined ? { s: c.s } : { s: c.s, k: c.k };
    }
  } catch {
    // Falls through to the refusal.
  }
  throw new InvalidCursorError("not a cursor this registry handed out");
}

/**
 * One page: shard after shard, in sort-key (id) order within each, up to `limit` live
 * instances. The cursor says where the next page picks up, so pages never overlap.
 */
export async function listPage(
  q: QueryContext,
  service: string,
  nowMs: number,
  page: PageRequest,
): Promise<InstancePage> {
  let { s: shard, k: after } = decodeCursor(page.cursor);
  const instances = [];
  while (shard < SHARDS) {
    const out = await q.call("listPage", () =>
      q.doc.send(
        new QueryCommand({
          ...q.extra,
          ...liveInShard(q, service, shard, nowMs),
          ConsistentRead: true,
          Limit: page.limit - instances.length,
          ...(after
            ? { ExclusiveStartKey: { pk: servicePartition(service, shard), sk: after } }
            : {}),
        }),
      ),
    );
    for (const item of out.Items ?? []) {
      const instance = q.decode(item, nowMs);
      if (instance) instances.push(instance);
    }
    const last = out.LastEvaluatedKey?.sk as string | undefined;
    if (last) after = last;
    else {
      shard++;
      after = undefined;
    }
    if (instances.length >= page.limit) break;
  }
  const cursor =
    shard < SHARDS ? encodeCursor(after ? { s: shard, k: after } : { s: shard }) : undefined;
  return { instances, cursor };
}
