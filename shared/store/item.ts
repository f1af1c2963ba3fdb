import { hash } from "node:crypto";
import { type Instance, type InstanceFields, isoSeconds, type Source } from "../model/instance.js";
import { type StoredCheck, statusAt, toInstanceCheck } from "./checks.js";

/**
 * An instance as every engine stores it, whatever its keys. Times are epoch numbers so the
 * rules can compare them; `expires_at` is in seconds because it is DynamoDB's TTL attribute.
 */
export interface InstanceRecord extends InstanceFields {
  service: string;
  id: string;
  source: Source;
  owner: string;
  content_hash: string;
  ttl: number;
  registered_at: number;
  last_seen: number;
  expires_at: number;
  /** Health checks kept beside the instance (checks.ts); absent for an instance without. */
  checks?: StoredCheck[];
  /**
   * Epoch ms until which `status` holds: the first TTL among `checks` to run out. From then on
   * the instance reads as critical, until its owner writes again. Absent: `status` holds.
   */
  status_until?: number;
}

/** The fields whose change lets a heartbeat through the rate floor. */
export function contentHash(fields: InstanceFields & { ttl: number }): string {
  const canonical = JSON.stringify([
    fields.address,
    fields.direct_addresses,
    fields.relay_url,
    fields.iroh_node_id,
    fields.cluster_node_id,
    fields.tags,
    Object.entries(fields.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    fields.version,
    fields.weight,
    fields.status,
    fields.ttl,
  ]);
  // One-shot: once per heartbeat (the route passes it to the store: HeartbeatInput.contentHash).
  return hash("sha256", canonical, "base64url").slice(0, 22);
}

/** The record as the API serves it at `nowMs`: a check whose TTL ran out is critical. */
export function toInstance(item: InstanceRecord, nowMs: number): Instance {
  const instance: Instance = {
    service: item.service,
    id: item.id,
    address: item.address,
    direct_addresses: item.direct_addresses ?? [],
    relay_url: item.relay_url ?? null,
    iroh_node_id: item.iroh_node_id ?? null,
    cluster_node_id: item.cluster_node_id ?? null,
    tags: item.tags ?? [],
    metadata: item.metadata ?? {},
    version: item.version ?? null,
    weight: item.weight ?? 1,
    status: statusAt(item, nowMs),
    source: item.source,
    registered_by: item.owner,
    registered_at: isoSeconds(item.registered_at),
    last_seen: isoSeconds(item.last_seen),
    expires_at: isoSeconds(item.expires_at * 1000),
  };
  if (item.checks && item.checks.length > 0) {
    instance.checks = item.checks.map((c) => toInstanceCheck(c, nowMs));
  }
  return instance;
}

export function isLive(item: { expires_at: number }, nowMs: number): boolean {
  return item.expires_at > Math.floor(nowMs / 1000);
}
