import type { ServiceSummary } from "./store.js";

/** A service's counts, without its name (ServiceSummary), as both engines add them up. */
export type ServiceCounts = Omit<ServiceSummary, "name">;

export function noCounts(): ServiceCounts {
  return { instances: 0, passing: 0, warning: 0, critical: 0, sources: {}, lastRegisteredMs: 0 };
}

/**
 * Adds `n` live instances of one status and source, the newest registered at `registeredMs`.
 * A record without a source is a heartbeat's (records written before sources were kept).
 */
export function addCounts(
  counts: ServiceCounts,
  group: { status: string; source: string | null | undefined; n: number; registeredMs: number },
): void {
  counts.instances += group.n;
  if (group.status === "passing") counts.passing += group.n;
  else if (group.status === "warning") counts.warning += group.n;
  else counts.critical += group.n;
  const source = group.source ?? "heartbeat";
  counts.sources[source] = (counts.sources[source] ?? 0) + group.n;
  counts.lastRegisteredMs = Math.max(counts.lastRegisteredMs, group.registeredMs);
}
