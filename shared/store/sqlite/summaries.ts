import { addCounts, noCounts } from "../service-counts.js";
import type { ServiceSummary } from "../store.js";
import type { SqliteDatabase } from "./database.js";
import { byKey, nowSeconds } from "./instance-rows.js";

/** Every service with live instances, counted by status and source, in name order. */
export function readSummaries(db: SqliteDatabase, nowMs: number): ServiceSummary[] {
  const rows = db
    .statement(
      // A status whose check TTL ran out (status_until passed) reads critical.
      "SELECT service, CASE WHEN status_until IS NOT NULL AND status_until <= ? THEN 'critical' ELSE status END AS status, json_extract(item, '$.source') AS source, count(*) AS n, max(registered_at) AS last FROM instances WHERE expires_at > ? GROUP BY 1, 2, 3",
    )
    .all(nowMs, nowSeconds(nowMs)) as unknown as SummaryRow[];
  return summarise(rows).sort((a, b) => byKey(a.name, b.name));
}

/** One group of `services()`'s query: a service's live instances of one status and source. */
export interface SummaryRow {
  service: string;
  status: string;
  source: string | null;
  n: number;
  last: number;
}

export function summarise(rows: readonly SummaryRow[]): ServiceSummary[] {
  const by = new Map<string, ServiceSummary>();
  for (const r of rows) {
    let s = by.get(r.service);
    if (!s) {
      s = { name: r.service, ...noCounts() };
      by.set(r.service, s);
    }
    addCounts(s, { status: r.status, source: r.source, n: r.n, registeredMs: r.last });
  }
  return [...by.values()];
}
