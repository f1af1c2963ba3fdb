import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { instanceKey } from "../shared/store/dynamodb/keys.js";
import { type BenchContext, expectHeartbeat, heartbeatJson } from "./fixture.js";
import type { BenchOptions } from "./options.js";
import { paired, type Summary } from "./stats.js";

const SERVICE = "bench-heartbeat";
const RAW_SERVICE = "bench-heartbeat-raw";
/** Distinct instances the timed heartbeats cycle through, all registered beforehand. */
const POOL = 100;
const TTL = 300;

/** Every attribute the store's heartbeat SETs, in the same form. */
const ATTRIBUTES = [
  "service",
  "id",
  "address",
  "direct_addresses",
  "relay_url",
  "iroh_node_id",
  "cluster_node_id",
  "tags",
  "metadata",
  "version",
  "weight",
  "status",
  "source",
  "owner",
  "content_hash",
  "ttl",
  "last_seen",
  "expires_at",
] as const;

const NAMES: Record<string, string> = Object.fromEntries([
  ...ATTRIBUTES.map((a) => [`#${a}`, a]),
  ["#registered_at", "registered_at"],
]);
const UPDATE = `SET ${ATTRIBUTES.map((a) => `#${a} = :${a}`).join(", ")}, #registered_at = if_not_exists(#registered_at, :last_seen)`;
const CONDITION =
  "attribute_not_exists(pk) OR #expires_at <= :now_s OR " +
  "(#owner = :owner AND (#content_hash <> :content_hash OR #last_seen <= :floor))";

/**
 * The write a heartbeat comes down to, made directly: one conditional UpdateItem through the
 * document client, same key, same attributes, same condition and return values as
 * DynamoStore.heartbeat, minus everything around it (HTTP, auth, zod, hashing, lease).
 */
export async function rawHeartbeat(
  ctx: BenchContext,
  service: string,
  index: number,
  seq: number,
  withCapacity = false,
): Promise<ConsumedCapacity | undefined> {
  const { id, ttl, ...fields } = heartbeatJson(index, seq, TTL);
  const nowMs = Date.now();
  const values: Record<string, unknown> = {
    ":service": service,
    ":id": id,
    ":source": "heartbeat",
    ":owner": ctx.owner,
    // Any value that changes with the content does; the store's is a sha256 prefix this long.
    ":content_hash": `raw-${index}-${seq}`.padEnd(22, "0"),
    ":ttl": ttl,
    ":last_seen": nowMs,
    ":expires_at": Math.ceil((nowMs + ttl * 1000) / 1000),
    ":now_s": Math.floor(nowMs / 1000),
    ":floor": nowMs - ttl * 100,
  };
  for (const [k, v] of Object.entries(fields)) values[`:${k}`] = v;
  const out = await ctx.doc.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: instanceKey(service, id),
      UpdateExpression: UPDATE,
      ConditionExpression: CONDITION,
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_OLD",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      ...(withCapacity ? { ReturnConsumedCapacity: "TOTAL" as const } : {}),
    }),
  );
  return out.ConsumedCapacity;
}

export interface HeartbeatResult {
  app: Summary;
  raw: Summary;
}

/**
 * Renewals through the app (`app.request`, a real POST with JSON and a bearer token) against
 * the raw UpdateItem, interleaved. Each round renews one of POOL registered instances with a
 * new metadata.seq, so every heartbeat is a content change (200), never a 429.
 */
export async function benchHeartbeat(
  ctx: BenchContext,
  options: BenchOptions,
): Promise<HeartbeatResult> {
  const pool = Math.min(POOL, options.heartbeats + options.heartbeatWarmup);
  for (let i = 0; i < pool; i++) {
    await expectHeartbeat(ctx.app, SERVICE, heartbeatJson(i, 0, TTL), 201);
    await rawHeartbeat(ctx, RAW_SERVICE, i, 0);
  }
  const { ours, reference } = await paired(
    options.heartbeatWarmup,
    options.heartbeats,
    (round) => expectHeartbeat(ctx.app, SERVICE, heartbeatJson(round % pool, round + 1, TTL), 200),
    async (round) => {
      await rawHeartbeat(ctx, RAW_SERVICE, round % pool, round + 1);
    },
  );
  return { app: ours, raw: reference };
}
