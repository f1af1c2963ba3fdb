import { hash } from "node:crypto";
import type { InstanceFields, Source } from "../model/instance.js";
import { statusUntil } from "./checks.js";
import { contentHash, type InstanceRecord, isLive } from "./item.js";
import {
  type CheckedInput,
  FLOOR_FRACTION,
  type HeartbeatResult,
  type RemoveExpectation,
} from "./store.js";

/**
 * The ownership, rate and lease rules every store applies, each written once as a pair: the
 * predicate over the item a write finds (the SQLite store decides with it inside its
 * transaction) and the same rule as a DynamoDB condition expression (the DynamoDB store sends
 * it with the write, and DynamoDB decides against the item in one request).
 * test/store/rules.integration.test.ts checks on DynamoDB Local that each pair agrees.
 */

/** What a rule needs to know about the item a write would replace. */
export interface Holder {
  owner: string;
  content_hash: string;
  last_seen: number;
  expires_at: number;
  metadata?: Record<string, string>;
}

/**
 * A DynamoDB condition: the expression and the names and values it uses. The placeholders
 * are those of the attributes' own names (`#owner`, `:owner`), so a write that sets the same
 * attribute to the same value shares them (`withCondition` checks that it does).
 */
export interface Condition {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * One store rule: whether a write described by `input` may go through over `current`. A rule
 * that depends on the time has `nowMs` (epoch ms) in its input.
 */
export interface Rule<Input> {
  /** The rule as TypeScript; `current` is undefined when there is no item. */
  allows(current: Holder | undefined, input: Input): boolean;
  /** The same rule as a DynamoDB condition expression on the item. */
  condition(input: Input): Condition;
}

const nowSeconds = (nowMs: number) => Math.floor(nowMs / 1000);

/** How long after an accepted heartbeat a renewal with unchanged content is refused: ttl/10. */
export function floorIntervalMs(ttl: number): number {
  return ttl * 1000 * FLOOR_FRACTION;
}

/** The latest `last_seen` a renewal with unchanged content may follow: ttl/10 before now. */
export function floorCutoffMs(ttl: number, nowMs: number): number {
  return nowMs - floorIntervalMs(ttl);
}

/**
 * The lease: an item is live until its `expires_at` (epoch seconds, exclusive). Every read
 * filters on it (DynamoDB deletes expired items late); the other rules treat an expired item
 * as no item.
 */
export const live: Rule<{ nowMs: number }> = {
  allows: (current, { nowMs }) => current !== undefined && isLive(current, nowMs),
  condition: ({ nowMs }) => ({
    expression: "#expires_at > :now_s",
    names: { "#expires_at": "expires_at" },
    values: { ":now_s": nowSeconds(nowMs) },
  }),
};

/** Nothing live holds the id: a creation through putChecked goes only there. */
export const vacant: Rule<{ nowMs: number }> = {
  allows: (current, { nowMs }) => current === undefined || !isLive(current, nowMs),
  condition: ({ nowMs }) => ({
    expression: "attribute_not_exists(pk) OR #expires_at <= :now_s",
    names: { "#expires_at": "expires_at" },
    values: { ":now_s": nowSeconds(nowMs) },
  }),
};

/**
 * A heartbeat goes through when the id is free (absent or expired), or when the caller owns
 * it and the content changed or the floor interval has passed.
 */
export const heartbeatAllowed: Rule<{
  owner: string;
  content_hash: string;
  ttl: number;
  nowMs: number;
}> = {
  allows: (current, write) => {
    if (!current || !isLive(current, write.nowMs)) return true;
    if (current.owner !== write.owner) return false;
    return (
      current.content_hash !== write.content_hash ||
      current.last_seen <= floorCutoffMs(write.ttl, write.nowMs)
    );
  },
  condition: (write) => ({
    expression:
      "attribute_not_exists(pk) OR #expires_at <= :now_s OR " +
      "(#owner = :owner AND (#content_hash <> :content_hash OR #last_seen <= :floor))",
    names: {
      "#expires_at": "expires_at",
      "#owner": "owner",
      "#content_hash": "content_hash",
      "#last_seen": "last_seen",
    },
    values: {
      ":now_s": nowSeconds(write.nowMs),
      ":owner": write.owner,
      ":content_hash": write.content_hash,
      ":floor": floorCutoffMs(write.ttl, write.nowMs),
    },
  }),
};

/**
 * `owner` may delete the item (DELETE), or, a source, write over it (`upsertSourced`): it is
 * absent, the caller's own, or expired. A heartbeat has rules of its own (heartbeatAllowed).
 */
export const ownerMayReplace: Rule<{ owner: string; nowMs: number }> = {
  allows: (current, { owner, nowMs }) =>
    !current || current.owner === owner || !isLive(current, nowMs),
  condition: ({ owner, nowMs }) => ({
    expression: "attribute_not_exists(pk) OR #owner = :owner OR #expires_at <= :now_s",
    names: { "#owner": "owner", "#expires_at": "expires_at" },
    values: { ":owner": owner, ":now_s": nowSeconds(nowMs) },
  }),
};

/**
 * The item is still the one a write of `owner` at `lastSeenMs` left: the caps' withdrawal of a
 * creation they refused deletes only that, and so does the DynamoDB heartbeat's fix-up of a
 * re-registration's time. Live or not: the write that made it decides, not the clock.
 */
export const stillAsWritten: Rule<{ owner: string; lastSeenMs: number }> = {
  allows: (current, { owner, lastSeenMs }) =>
    current !== undefined && current.owner === owner && current.last_seen === lastSeenMs,
  condition: ({ owner, lastSeenMs }) => ({
    expression: "#owner = :owner AND #last_seen = :last_seen",
    names: { "#owner": "owner", "#last_seen": "last_seen" },
    values: { ":owner": owner, ":last_seen": lastSeenMs },
  }),
};

/**
 * The reconciler removes an item, whoever registered it, only while it is what the caller
 * saw: held by `expect.owner` (when given) and still carrying each of `expect.metadata`'s
 * entries (the same node, not a new one on its id). Expired or not.
 */
export const removalExpected: Rule<RemoveExpectation> = {
  allows: (current, expect) => {
    if (!current) return false;
    if (expect.owner !== undefined && current.owner !== expect.owner) return false;
    const metadata = current.metadata ?? {};
    return Object.entries(expect.metadata ?? {}).every(
      ([key, value]) => Object.hasOwn(metadata, key) && metadata[key] === value,
    );
  },
  condition: (expect) => {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions = ["attribute_exists(pk)"];
    if (expect.owner !== undefined) {
      names["#owner"] = "owner";
      values[":owner"] = expect.owner;
      conditions.push("#owner = :owner");
    }
    Object.entries(expect.metadata ?? {}).forEach(([key, value], i) => {
      names["#metadata"] = "metadata";
      names[`#m${i}`] = key;
      values[`:m${i}`] = value;
      conditions.push(`#metadata.#m${i} = :m${i}`);
    });
    return { expression: conditions.join(" AND "), names, values };
  },
};

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
  /** Made by the caller already (HeartbeatInput.contentHash); else made here. */
  contentHash?: string;
}) {
  const { service, id, fields, source, owner, ttl, nowMs } = input;
  return {
    service,
    id,
    ...fields,
    source,
    owner,
    content_hash: input.contentHash ?? contentHash({ ...fields, ttl }),
    ttl,
    last_seen: nowMs,
    expires_at: Math.floor((nowMs + ttl * 1000) / 1000),
  };
}

/**
 * The record putChecked writes: the lease is the caller's (checks.ts says how the Consul API
 * works it out), the status holds until the first TTL ahead runs out, and the content hash
 * covers the checks, so that a heartbeat over it is never taken for a repeat.
 */
export function checkedValues(input: CheckedInput): InstanceRecord {
  const { service, id, fields, checks, source, owner, nowMs } = input;
  const until = statusUntil(checks, nowMs);
  const ttlMs = Math.min(...checks.map((c) => c.ttl_ms));
  const checksHash = hash(
    "sha256",
    JSON.stringify(checks.map((c) => [c.check_id, c.name, c.status, c.output, c.notes, c.ttl_ms])),
    "base64url",
  );
  return {
    service,
    id,
    ...fields,
    source,
    owner,
    content_hash: `${contentHash({ ...fields, ttl: 0 }).slice(0, 11)}${checksHash.slice(0, 11)}`,
    ttl: Math.max(1, Math.ceil(ttlMs / 1000)),
    registered_at: input.registeredAtMs,
    last_seen: nowMs,
    expires_at: Math.floor(input.leaseEndMs / 1000),
    checks,
    ...(until === undefined ? {} : { status_until: until }),
  };
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
  const wait = current.last_seen + floorIntervalMs(ttl) - nowMs;
  return { kind: "too_soon", retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}
