/**
 * The instance record as the API serves it. Times are ISO 8601 UTC strings; the store keeps
 * epoch numbers and converts at the edge (see `shared/store/item.ts`).
 */
export const STATUSES = ["passing", "warning", "critical"] as const;
export type Status = (typeof STATUSES)[number];

export const SOURCES = ["heartbeat", "ec2", "cloudmap", "kubernetes"] as const;
export type Source = (typeof SOURCES)[number];

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
  /** Fingerprint of the credential that registered the instance, never the credential. */
  registered_by: string;
  registered_at: string;
  last_seen: string;
  expires_at: string;
}

/** Whole-second ISO 8601 UTC, the form the Blixard files use (`2024-01-01T00:00:00Z`). */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
