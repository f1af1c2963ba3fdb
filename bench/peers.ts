import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { SHARDS, servicePartition } from "../shared/store/dynamodb/keys.js";
import { type App, AUTHORIZATION, type BenchContext, ORIGIN } from "./fixture.js";
import type { BenchOptions } from "./options.js";
import { paired, type Summary } from "./stats.js";

export const PEERS_SERVICE = "bench-peers";
/** Long enough that no seeded instance lapses while the bench runs. */
export const PEERS_TTL = 3600;

/** GET peers.json through the app; returns the body so a caller can check it. */
export async function getPeers(app: App, service: string): Promise<string> {
  const res = await app.request(`${ORIGIN}/v1/services/${service}/peers.json`, {
    headers: { authorization: AUTHORIZATION },
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`peers.json ${service}: ${res.status} ${body}`);
  return body;
}

/**
 * The reads a peers.json comes down to, made directly: one Query per shard partition, all in
 * parallel, ConsistentRead, filtered on expires_at > now, following every LastEvaluatedKey.
 * Returns the number of items and, when asked for, the capacity units reported.
 */
export async function rawPeers(
  ctx: BenchContext,
  service: string,
  withCapacity = false,
): Promise<{ items: number; units: number | undefined; calls: number }> {
  const nowS = Math.floor(Date.now() / 1000);
  let units: number | undefined;
  let calls = 0;
  const counts = await Promise.all(
    Array.from({ length: SHARDS }, async (_, shard) => {
      let items = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const out = await ctx.doc.send(
          new QueryCommand({
            TableName: ctx.tableName,
            KeyConditionExpression: "pk = :pk",
            FilterExpression: "#expires_at > :now_s",
            ExpressionAttributeNames: { "#expires_at": "expires_at" },
            ExpressionAttributeValues: { ":pk": servicePartition(service, shard), ":now_s": nowS },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
            ...(withCapacity ? { ReturnConsumedCapacity: "TOTAL" as const } : {}),
          }),
        );
        calls++;
        const cu = out.ConsumedCapacity?.CapacityUnits;
        if (cu !== undefined) units = (units ?? 0) + cu;
        items += out.Items?.length ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    }),
  );
  return { items: counts.reduce((a, b) => a + b, 0), units, calls };
}

export interface PeersResult {
  app: Summary;
  raw: Summary;
  /** Size of one peers.json answer. */
  bodyBytes: number;
}

/** peers.json of the seeded service through the app against the raw queries, interleaved. */
export async function benchPeers(ctx: BenchContext, options: BenchOptions): Promise<PeersResult> {
  // Both sides must see the whole service, or the comparison is of different work.
  const body = await getPeers(ctx.app, PEERS_SERVICE);
  const served = (JSON.parse(body) as unknown[]).length;
  const { items } = await rawPeers(ctx, PEERS_SERVICE);
  if (served !== options.instances || items !== options.instances) {
    throw new Error(
      `expected ${options.instances} instances; peers.json served ${served}, queries found ${items}`,
    );
  }
  const { ours, reference } = await paired(
    options.peersWarmup,
    options.peersReads,
    async () => {
      await getPeers(ctx.app, PEERS_SERVICE);
    },
    async () => {
      await rawPeers(ctx, PEERS_SERVICE);
    },
  );
  return { app: ours, raw: reference, bodyBytes: Buffer.byteLength(body) };
}
