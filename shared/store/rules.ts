import type { InstanceFields, Source } from "../model/instance.js";
import { contentHash, isLive } from "./item.js";
import { FLOOR_FRACTION, type HeartbeatResult } from "./store.js";

/**
 * The ownership and rate rules every store applies, as pure functions of the item a write
 * finds. The DynamoDB store states them as condition expressions and uses these to classify a
 * refusal; the SQLite store decides with them inside its transaction.
 */

/** What a write needs to know about the item it would replace. */
export interface Holder {
  owner: string;
  content_hash: string;
  last_seen: number;
  expires_at: number;
}

/**
 * The attributes a write of an instance sets, whoever writes it. The lease end is rounded
 * down: a lease may end up to a second early, never late, so an expired instance is never
 * served.
 */
export function leaseValues(input: {
  service: string;
  id: string;
  fields: InstanceFields;
  source: Source;
  owner: string;
  ttl: number;
  nowMs: number;
}) {
  const { service, id, fields, source, owner, ttl, nowMs } = input;
  return {
    service,
    id,
    ...fields,
    source,
    owner,
    content_hash: contentHash({ ...fields, ttl }),
    ttl,
    last_seen: nowMs,
    expires_at: Math.floor((nowMs + ttl * 1000) / 1000),
  };
}

/** The earliest last_seen a renewal with unchanged content may follow: ttl/10 ago. */
export function floorMs(ttl: number, nowMs: number): number {
  return nowMs - ttl * 1000 * FLOOR_FRACTION;
}

/**
 * A heartbeat goes through when the id is free (absent or expired), or when the caller owns
 * it and the content changed or the floor interval has passed.
 */
export function heartbeatAllowed(
  current: Holder | undefined,
  write: { owner: string; content_hash: string; ttl: number; nowMs: number },
): boolean {
  if (!current || !isLive(current, write.nowMs)) return true;
  if (current.owner !== write.owner) return false;
  return (
    current.content_hash !== write.content_hash ||
    current.last_seen <= floorMs(write.ttl, write.nowMs)
  );
}

/** Why a heartbeat was refused, from the item that refused it: 409 or 429 with a wait. */
export function heartbeatRefusal(
  current: Holder | undefined,
  owner: string,
  ttl: number,
  nowMs: number,
): Extract<HeartbeatResult, { kind: "conflict" | "too_soon" }> {
  if (!current || !isLive(current, nowMs)) {
    // Expired or deleted between the write and the read: the caller may simply retry.
    return { kind: "too_soon", retryAfterSeconds: 1 };
  }
  if (current.owner !== owner) return { kind: "conflict" };
  const wait = current.last_seen + ttl * 1000 * FLOOR_FRACTION - nowMs;
  return { kind: "too_soon", retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}

/**
 * `owner` may delete the item, or (a source) write over it: it is absent, the caller's own, or
 * expired. A heartbeat has rules of its own (heartbeatAllowed).
 */
export function ownerMayReplace(
  current: Pick<Holder, "owner" | "expires_at"> | undefined,
  owner: string,
  nowMs: number,
): boolean {
  return !current || current.owner === owner || !isLive(current, nowMs);
}
