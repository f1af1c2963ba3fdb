import { z } from "zod";
import { hostPort } from "./address.js";
import { STATUSES } from "./instance.js";
import { checkIrohNodeId } from "./iroh-node-id.js";
import { instanceId } from "./names.js";
import { socketAddress } from "./socket-address.js";

export const TTL_MIN = 5;
export const TTL_MAX = 3600;
/**
 * 135 s, renewed every 45 s (a third): a dead node leaves the listings within 135 s, and a
 * node costs under a quarter of what 10 s renewals cost, under $0.04 a month on provisioned
 * capacity with a margin for the measurement's noise (docs/cost.md, `npm run cost`). A
 * service that must notice a death sooner asks for a shorter ttl in its heartbeat.
 */
export const TTL_DEFAULT = 135;

const httpUrl = z
  .string()
  .max(512)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === "http:" || u.protocol === "https:";
      } catch {
        return false;
      }
    },
    { message: "must be an http or https URL" },
  );

const shortText = z.string().min(1).max(64);

/** Blixard's own check of the id it reads (shared/model/iroh-node-id.ts), made at the door. */
const irohNodeId = z.string().superRefine((v, ctx) => {
  const check = checkIrohNodeId(v);
  if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
});

/**
 * Metadata keys are stored as given, `constructor` and `toString` included, except
 * `__proto__`: JSON.parse keeps it as a key, but zod's record and every JavaScript reader that
 * copies the map into an object drop it without a word, so it is refused by name instead.
 */
function refuseProtoKey(value: Record<string, string>, ctx: z.core.$RefinementCtx): unknown {
  if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
    ctx.addIssue({
      code: "custom",
      path: ["__proto__"],
      message: "__proto__ cannot be a metadata key (JavaScript clients would drop it)",
      input: value,
    });
  }
  return value;
}

/**
 * The body of `POST /v1/services/{service}/heartbeats`. Strict, so that a misspelt field is
 * answered with a 400 naming it instead of being dropped without a word.
 */
export const heartbeatBody = z.strictObject({
  id: instanceId,
  address: hostPort,
  direct_addresses: z.array(socketAddress).max(16).default([]),
  relay_url: httpUrl.nullable().default(null),
  iroh_node_id: irohNodeId.nullable().default(null),
  cluster_node_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().default(null),
  tags: z.array(shortText).max(32).default([]),
  metadata: z
    .preprocess(refuseProtoKey, z.record(shortText, z.string().max(512)))
    .refine((m) => Object.keys(m).length <= 32, { message: "at most 32 keys" })
    .default({}),
  version: z.string().min(1).max(64).nullable().default(null),
  weight: z.number().int().min(1).max(1000).default(1),
  status: z.enum(STATUSES).default("passing"),
  ttl: z.number().int().min(TTL_MIN).max(TTL_MAX).default(TTL_DEFAULT),
});

export type HeartbeatBody = z.infer<typeof heartbeatBody>;

/** The lease a heartbeat is answered with. */
export interface Lease {
  service: string;
  id: string;
  expires_at: string;
  ttl: number;
  heartbeat_interval: number;
}

/** Renew at a third of the TTL, so two heartbeats may be lost before the lease lapses. */
export function heartbeatInterval(ttl: number): number {
  return Math.max(1, Math.floor(ttl / 3));
}

/** The interval an agent renews at by default. */
export const HEARTBEAT_INTERVAL_DEFAULT = heartbeatInterval(TTL_DEFAULT);
