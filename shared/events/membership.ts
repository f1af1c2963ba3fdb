import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

/** The EventBridge `source` of every muster event. */
export const EVENT_SOURCE = "muster";
/** The `detail-type` of a service's membership change. */
export const MEMBERSHIP_CHANGED = "Service Membership Changed";

/**
 * One event's detail: what changed in one service within one stream batch. Ids are sorted
 * and each appears in one list only.
 */
export interface MembershipChange {
  service: string;
  /** New instances, and instances whose lease had lapsed before this write renewed it. */
  added: string[];
  /** Deleted instances: deregistered, removed by the reconciler, or expired (below). */
  removed: string[];
  /** The subset of `removed` that DynamoDB's TTL deleted (a lease nobody renewed). */
  expired: string[];
  /** Instances still there whose status, address or dial addresses changed. */
  changed: string[];
}

/** The part of a DynamoDB stream record (Lambda's event or the Streams API) read here. */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    ApproximateCreationDateTime?: number | Date;
  };
  userIdentity?: { type?: string; principalId?: string };
}

interface Image {
  pk?: string;
  sk?: string;
  service?: string;
  id?: string;
  status?: string;
  address?: string;
  direct_addresses?: string[];
  expires_at?: number;
}

const image = (raw: Record<string, unknown> | undefined): Image | undefined =>
  raw ? (unmarshall(raw as Record<string, AttributeValue>) as Image) : undefined;

/** Instance items only (`svc#…` partitions, `i#…` sort keys): not tokens, catalog or state. */
const isInstance = (i: Image | undefined): i is Image & { service: string; id: string } =>
  !!i?.pk?.startsWith("svc#") && !!i.sk?.startsWith("i#") && !!i.service && !!i.id;

/** DynamoDB's TTL deletes as the service principal; every other delete is someone's. */
export function isTtlDelete(record: StreamRecord): boolean {
  return (
    record.userIdentity?.type === "Service" &&
    record.userIdentity.principalId === "dynamodb.amazonaws.com"
  );
}

const sameDial = (a: Image, b: Image) =>
  a.status === b.status &&
  a.address === b.address &&
  JSON.stringify(a.direct_addresses ?? []) === JSON.stringify(b.direct_addresses ?? []);

/**
 * Stream records → one change per service that really changed. A renewal (a MODIFY moving
 * only last_seen and expires_at) yields nothing. A MODIFY of an item whose lease had lapsed
 * (a node coming back before TTL removed it) is an addition, judged against the record's
 * own time. Records are applied in order, so an id added and removed in one batch is neither.
 */
export function membershipChanges(
  records: readonly StreamRecord[],
  nowSeconds: number,
): MembershipChange[] {
  type Fate = "added" | "removed" | "expired" | "changed";
  const byService = new Map<string, Map<string, Fate | undefined>>();
  for (const record of records) {
    const before = image(record.dynamodb?.OldImage);
    const after = image(record.dynamodb?.NewImage);
    const item = isInstance(after) ? after : isInstance(before) ? before : undefined;
    if (!item) continue;
    const at = createdSeconds(record) ?? nowSeconds;
    const wasLive = !!before && (before.expires_at ?? 0) > at;
    let fate: Fate | undefined;
    if (record.eventName === "INSERT") fate = "added";
    else if (record.eventName === "REMOVE") {
      // TTL removes items long after their lease ended; the node had already left the lists.
      fate = isTtlDelete(record) ? "expired" : "removed";
    } else if (record.eventName === "MODIFY" && before && after) {
      if (!wasLive) fate = "added";
      else if (!sameDial(before, after)) fate = "changed";
    }
    if (!fate) continue;
    let ids = byService.get(item.service);
    if (!ids) {
      ids = new Map();
      byService.set(item.service, ids);
    }
    ids.set(item.id, merge(ids.get(item.id), fate));
  }
  const changes: MembershipChange[] = [];
  for (const [service, ids] of [...byService].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const pick = (...fates: Fate[]) =>
      [...ids]
        .filter(([, f]) => f !== undefined && fates.includes(f))
        .map(([id]) => id)
        .sort();
    const change: MembershipChange = {
      service,
      added: pick("added"),
      removed: pick("removed", "expired"),
      expired: pick("expired"),
      changed: pick("changed"),
    };
    if (change.added.length + change.removed.length + change.changed.length > 0) {
      changes.push(change);
    }
  }
  return changes;
}

/** The net effect of two fates of one id within a batch. */
function merge(
  prev: string | undefined,
  next: string,
): "added" | "removed" | "expired" | "changed" | undefined {
  if (prev === undefined) return next as "added";
  // Added then gone within the batch: nobody saw it. Gone then back: it changed at most.
  if (prev === "added") return next === "removed" || next === "expired" ? undefined : "added";
  if ((prev === "removed" || prev === "expired") && next === "added") return "changed";
  return next as "changed";
}

function createdSeconds(record: StreamRecord): number | undefined {
  const t = record.dynamodb?.ApproximateCreationDateTime;
  if (t === undefined) return undefined;
  return t instanceof Date ? Math.floor(t.getTime() / 1000) : Math.floor(t);
}
