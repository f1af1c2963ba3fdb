/**
 * The instance record as the API serves it. Times are ISO 8601 UTC strings; the store keeps
 * epoch numbers and converts at the edge (see `shared/store/item.ts`).
 */
export const STATUSES = ["passing", "warning", "critical"] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Where an instance came from: its own heartbeats, a discovery source of the reconciler, or a
 * registration through the Consul API (shared/consul), which a token owns like a heartbeat's.
 */
export const SOURCES = ["heartbeat", "ec2", "cloudmap", "kubernetes", "consul"] as const;
export type Source = (typeof SOURCES)[number];

/** Sources whose instances a token registered and keeps alive (the others the reconciler writes). */
export const NODE_SOURCES: readonly Source[] = ["heartbeat", "consul"];

/** What a registrant says about its instance: everything a heartbeat carries except the lease. */
export interface InstanceFields {
  address: string;
  direct_addresses: string[];
  relay_url: string | null;
  iroh_node_id: string | null;
  cluster_node_id: number | null;
  tags: string[];
  metadata: Record<string, string>;
  version: string | null;
  weight: number;
  status: Status;
}

export interface Instance extends InstanceFields {
  service: string;
  id: string;
  source: Source;
  /**
   * The health checks kept beside the instance (those registered through the Consul API), as
   * they stand at the time of the read: a check whose TTL ran out is critical. Absent when the
   * instance has none; its status is then the one it reported.
   */
  checks?: InstanceCheck[];
  /** Fingerprint of the credential that registered the instance, never the credential. */
  registered_by: string;
  registered_at: string;
  last_seen: string;
  expires_at: string;
}

/** One health check as the API serves it, at the time of the read. */
export interface InstanceCheck {
  check_id: string;
  name: string;
  status: Status;
  output: string;
  notes: string;
  /** Seconds: the check turns critical this long after its last update. */
  ttl: number;
  /** When the TTL runs out (or ran out) unless the check is updated before, ISO 8601 with ms. */
  ttl_ends_at: string;
  /** Since when the check has been critical, ISO 8601 with ms; null while it is not. */
  critical_since: string | null;
  /** Seconds critical after which the instance is removed; null: never. */
  deregister_critical_after: number | null;
}

/** Whole-second ISO 8601 UTC, the form the Blixard files use (`2024-01-01T00:00:00Z`). */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * When what `instances` read as at `nowMs` changes by itself, with no write: the soonest lease
 * end, or the soonest check TTL still ahead (the instance then reads critical). Undefined for
 * none. The answer caches and waiting reads end or wake then.
 */
export function nextChangeMs(instances: readonly Instance[], nowMs: number): number | undefined {
  let soonest: number | undefined;
  const consider = (at: number) => {
    if (!Number.isNaN(at) && at > nowMs && (soonest === undefined || at < soonest)) soonest = at;
  };
  for (const i of instances) {
    consider(Date.parse(i.expires_at));
    for (const c of i.checks ?? []) consider(Date.parse(c.ttl_ends_at));
  }
  return soonest;
}
