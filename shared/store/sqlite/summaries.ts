import type { ServiceSummary } from "../store.js";

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
      s = {
        name: r.service,
        instances: 0,
        passing: 0,
        warning: 0,
        critical: 0,
        sources: {},
        lastRegisteredMs: 0,
      };
      by.set(r.service, s);
    }
    s.instances += r.n;
    if (r.status === "passing") s.passing += r.n;
    else if (r.status === "warning") s.warning += r.n;
    else s.critical += r.n;
    const source = r.source ?? "heartbeat";
    s.sources[source] = (s.sources[source] ?? 0) + r.n;
    s.lastRegisteredMs = Math.max(s.lastRegisteredMs, r.last);
  }
  return [...by.values()];
}
