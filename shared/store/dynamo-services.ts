import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { countService, type QueryContext, queryAll } from "./dynamo-queries.js";
import { CATALOG_PK, catalogKey, serviceFromCatalogSk } from "./keys.js";
import type { ServiceSummary } from "./store.js";

/** A service's catalog entry, with the counts `services()` keeps on it. */
interface CatalogItem {
  pk: string;
  sk: string;
  count_instances?: number;
  count_passing?: number;
  counted_at?: number;
}

/**
 * From the counts kept on each service's catalog item: a service whose counts are older
 * than countMaxAgeSeconds is counted again (countService) and its item updated, so the
 * instances are read at most once a minute per service however often this is asked, and
 * the answer is at most that old (docs/scale.md).
 */
export async function serviceSummaries(
  q: QueryContext,
  nowMs: number,
  options: { concurrency: number; countMaxAgeMs: number },
): Promise<ServiceSummary[]> {
  const catalog: CatalogItem[] = [];
  await queryAll(
    q,
    "services.catalog",
    {
      TableName: q.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": CATALOG_PK },
    },
    (item) => catalog.push(item as unknown as CatalogItem),
  );
  const summaries: ServiceSummary[] = [];
  let next = 0;
  const worker = async () => {
    while (next < catalog.length) {
      const item = catalog[next++] as CatalogItem;
      const name = serviceFromCatalogSk(item.sk);
      let counts = { instances: item.count_instances ?? 0, passing: item.count_passing ?? 0 };
      const fresh =
        item.counted_at !== undefined && nowMs - item.counted_at < options.countMaxAgeMs;
      if (!fresh) {
        counts = await countService(q, name, nowMs);
        await saveCounts(q, name, counts, nowMs);
      }
      if (counts.instances > 0) summaries.push({ name, ...counts });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function saveCounts(
  q: QueryContext,
  service: string,
  counts: { instances: number; passing: number },
  nowMs: number,
): Promise<void> {
  await q.call("services.counted", () =>
    q.doc.send(
      new UpdateCommand({
        ...q.capacity,
        TableName: q.table,
        Key: catalogKey(service),
        UpdateExpression: "SET count_instances = :i, count_passing = :p, counted_at = :t",
        ExpressionAttributeValues: { ":i": counts.instances, ":p": counts.passing, ":t": nowMs },
      }),
    ),
  );
}
