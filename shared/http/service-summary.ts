import type { ChangeLog } from "../changes/change-log.js";
import { isoSeconds } from "../model/instance.js";
import type { ServiceSummary } from "../store/store.js";

/** One entry of `GET /v1/services` (docs/api.md). */
export interface ServiceEntry {
  name: string;
  instances: number;
  passing: number;
  warning: number;
  critical: number;
  sources: Record<string, number>;
  /** Read without a token (MUSTER_PUBLIC_SERVICES). */
  public: boolean;
  /** The newest change known: the last join, or a later leave or status change in the log. */
  last_change: string | null;
}

export function serviceEntry(
  s: ServiceSummary,
  publicServices: ReadonlySet<string>,
  log: ChangeLog | undefined,
): ServiceEntry {
  const last = Math.max(s.lastRegisteredMs, log?.lastChange(s.name) ?? 0);
  return {
    name: s.name,
    instances: s.instances,
    passing: s.passing,
    warning: s.warning,
    critical: s.critical,
    sources: s.sources,
    public: publicServices.has(s.name),
    last_change: last > 0 ? isoSeconds(last) : null,
  };
}
