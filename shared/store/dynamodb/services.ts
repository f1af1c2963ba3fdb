import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../map-limit.js";
import { statusAt } from "../checks.js";
import { addCounts, noCounts, type ServiceCounts } from "../service-counts.js";
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
  count_warning?: number;
  /** Live instances by source; absent on an entry counted before it was kept (counted again). */
  count_sources?: Record<string, number>;
  /** Epoch ms of the newest registration among the counted instances (0: none). */
  count_last_registered?: number;
  /**
   * Epoch ms until which the counts hold: the earliest lease end among the counted instances,
   * and at most countMaxAgeMs after the count. Removed by a write that changes the counts.
   */
  count_valid_until?: number;
}

type Counts = ServiceCounts;

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
    let counts = keptCounts(item);
    if (
      counts === undefined ||
      item.count_valid_until === undefined ||
      nowMs >= item.count_valid_until
    ) {
      const counted = await countService(q, name, nowMs);
      counts = counted.counts;
      const validUntil = Math.min(counted.earliestExpiryMs, nowMs + options.countMaxAgeMs);
      await saveCounts(q, name, counts, validUntil);
    }
    if (counts.instances > 0) summaries.push({ name, ...counts });
  });
  return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The counts kept on a catalog item; undefined when some were never kept (an older entry). */
function keptCounts(item: CatalogItem): Counts | undefined {
  if (item.count_sources === undefined) return undefined;
  const instances = item.count_instances ?? 0;
  const passing = item.count_passing ?? 0;
  const warning = item.count_warning ?? 0;
  return {
    instances,
    passing,
    warning,
    critical: instances - passing - warning,
    sources: item.count_sources,
    lastRegisteredMs: item.count_last_registered ?? 0,
  };
}

/**
 * Live instances of a service by status and by source, the newest registration, and the
 * earliest lease end (or, sooner, a check's TTL running out, which makes a passing instance
 * critical): a read of those attributes only, eventually consistent, all shards in parallel.
 * DynamoDB charges the read units of every item it looks at, which is why the result is kept.
 */
async function countService(
  q: QueryContext,
  service: string,
  nowMs: number,
): Promise<{ counts: Counts; earliestExpiryMs: number }> {
  const counts = noCounts();
  let earliestExpiryMs = Infinity;
  await eachShard(q, (shard) =>
    queryAll(
      q,
      "services.count",
      {
        ...liveInShard(q, service, shard, nowMs, {
          "#expires_at": "expires_at",
          "#status": "status",
          "#status_until": "status_until",
          "#source": "source",
          "#registered_at": "registered_at",
        }),
        ProjectionExpression: "#status, #expires_at, #status_until, #source, #registered_at",
      },
      (raw) => {
        const item = raw as {
          status?: "passing" | "warning" | "critical";
          status_until?: number;
          source?: string;
          registered_at?: number;
          expires_at: number;
        };
        addCounts(counts, {
          status: statusAt(item, nowMs),
          source: item.source,
          n: 1,
          registeredMs: item.registered_at ?? 0,
        });
        earliestExpiryMs = Math.min(earliestExpiryMs, item.expires_at * 1000);
        if (item.status_until !== undefined && item.status_until > nowMs) {
          earliestExpiryMs = Math.min(earliestExpiryMs, item.status_until);
        }
      },
    ),
  );
  return { counts, earliestExpiryMs };
}

async function saveCounts(
  q: QueryContext,
  service: string,
  counts: Counts,
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
          UpdateExpression:
            "SET count_instances = :i, count_passing = :p, count_warning = :w, " +
            "count_sources = :s, count_last_registered = :r, count_valid_until = :v",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: {
            ":i": counts.instances,
            ":p": counts.passing,
            ":w": counts.warning,
            ":s": counts.sources,
            ":r": counts.lastRegisteredMs,
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
