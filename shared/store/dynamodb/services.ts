import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../map-limit.js";
import { statusAt } from "../checks.js";
import type { ServiceSummary } from "../store.js";
import { isConditionFailure } from "./errors.js";
import { CATALOG_PK, catalogKey, serviceFromCatalogSk } from "./keys.js";
import { eachShard, liveInShard, type QueryContext, queryAll, queryPartition } from "./queries.js";

/** A service's catalog entry, with the counts `services()` keeps on it. */
interface CatalogItem {
  pk: string;
  sk: string;
  count_instances?: number;
  count_passing?: number;
  /**
   * Epoch ms until which the counts hold: the earliest lease end among the counted instances,
   * and at most countMaxAgeMs after the count. Removed by a write that changes the counts.
   */
  count_valid_until?: number;
}

interface Counts {
  instances: number;
  passing: number;
  /** The earliest lease end among them, epoch ms; Infinity when there are none. */
  earliestExpiryMs: number;
}

/**
 * From the counts kept on each service's catalog item (docs/scale.md). A service is counted
 * again only when its counts are no longer valid: a lease among them has ended, a creation,
 * deletion or status change removed them (invalidateCounts), or countMaxAgeMs has passed.
 * So a service's instances are read at most about once a minute however often this is asked.
 */
export async function serviceSummaries(
  q: QueryContext,
  nowMs: number,
  options: { concurrency: number; countMaxAgeMs: number },
): Promise<ServiceSummary[]> {
  const catalog: CatalogItem[] = [];
  await queryPartition(q, "services.catalog", CATALOG_PK, (item) =>
    catalog.push(item as unknown as CatalogItem),
  );
  const summaries: ServiceSummary[] = [];
  await mapLimit(catalog, options.concurrency, undefined, async (item) => {
    const name = serviceFromCatalogSk(item.sk);
    let counts = { instances: item.count_instances ?? 0, passing: item.count_passing ?? 0 };
    if (item.count_valid_until === undefined || nowMs >= item.count_valid_until) {
      const counted = await countService(q, name, nowMs);
      counts = { instances: counted.instances, passing: counted.passing };
      const validUntil = Math.min(counted.earliestExpiryMs, nowMs + options.countMaxAgeMs);
      await saveCounts(q, name, counts, validUntil);
    }
    if (counts.instances > 0) summaries.push({ name, ...counts });
  });
  return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Live instances of a service, how many pass, and the earliest lease end (or, sooner, a
 * check's TTL running out, which makes a passing instance critical): a read of the
 * status and expiry only, eventually consistent, all shards in parallel. DynamoDB charges the
 * read units of every item it looks at, which is why the result is kept.
 */
async function countService(q: QueryContext, service: string, nowMs: number): Promise<Counts> {
  const counts: Counts = { instances: 0, passing: 0, earliestExpiryMs: Infinity };
  await eachShard(q, (shard) =>
    queryAll(
      q,
      "services.count",
      {
        ...liveInShard(q, service, shard, nowMs, {
          "#expires_at": "expires_at",
          "#status": "status",
          "#status_until": "status_until",
        }),
        ProjectionExpression: "#status, #expires_at, #status_until",
      },
      (raw) => {
        const item = raw as {
          status?: "passing" | "warning" | "critical";
          expires_at: number;
          status_until?: number;
        };
        counts.instances++;
        if (statusAt(item, nowMs) === "passing") counts.passing++;
        counts.earliestExpiryMs = Math.min(counts.earliestExpiryMs, item.expires_at * 1000);
        if (item.status_until !== undefined && item.status_until > nowMs) {
          counts.earliestExpiryMs = Math.min(counts.earliestExpiryMs, item.status_until);
        }
      },
    ),
  );
  return counts;
}

async function saveCounts(
  q: QueryContext,
  service: string,
  counts: { instances: number; passing: number },
  validUntilMs: number,
): Promise<void> {
  // Only onto an existing catalog entry: counting never creates one.
  await q
    .call("services.counted", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: catalogKey(service),
          UpdateExpression: "SET count_instances = :i, count_passing = :p, count_valid_until = :v",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: {
            ":i": counts.instances,
            ":p": counts.passing,
            ":v": Number.isFinite(validUntilMs) ? validUntilMs : Number.MAX_SAFE_INTEGER,
          },
        }),
      ),
    )
    .catch((err) => {
      if (!isConditionFailure(err)) throw err;
    });
}

/**
 * After a write that changed how many instances a service has or how many pass: makes the next
 * `services()` count it again, and raises its change index (store.ts ChangeIndex), so that a
 * Consul reader polling the index alone sees it. One small write on the catalog item, on
 * creations, deletions and status changes only (never on a plain renewal); a write that fails
 * its condition costs the same, so keeping the two together costs nothing more.
 */
export async function invalidateCounts(q: QueryContext, service: string): Promise<void> {
  await q
    .call("counts.invalidate", () =>
      q.doc.send(
        new UpdateCommand({
          ...q.capacity,
          TableName: q.table,
          Key: catalogKey(service),
          UpdateExpression:
            "SET change_index = if_not_exists(change_index, :one) + :one REMOVE count_valid_until",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      ),
    )
    .catch((err) => {
      // Not catalogued (a table written by an older version): nothing to raise.
      if (!isConditionFailure(err)) throw err;
    });
}
