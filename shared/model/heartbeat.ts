import * as z from "../validation/zod.js";
import { registeredHostPort } from "./address.js";
import { STATUSES } from "./instance.js";
import { irohIdFromHex } from "./iroh-hex.js";
import { checkIrohNodeIdOnce } from "./iroh-node-id.js";
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

const httpUrl = z.string().check(
  z.maxLength(512),
  z.refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === "http:" || u.protocol === "https:";
      } catch {
        return false;
      }
    },
    { message: "must be an http or https URL" },
  ),
);

const shortText = z.string().check(z.minLength(1), z.maxLength(64));

/**
 * Blixard's own check of the id it reads (shared/model/iroh-node-id.ts), made at the door once
 * per distinct id (a node sends the same id with every heartbeat), after a hex id (how iroh
 * prints one) has been turned into the base64 Blixard's files carry.
 */
const irohNodeId = z.pipe(
  z.transform(irohIdFromHex),
  z.string().check(
    z.superRefine((v, ctx) => {
      const check = checkIrohNodeIdOnce(v);
      if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
    }),
  ),
);

/**
 * A Blixard node has both ids, and Blixard's files need both: one without the other is a
 * mistake (a flag left out), answered with a 400 naming the missing one rather than a node
 * silently left out of peers.json, registry.json and the bootstrap answer.
 */
function bothBlixardIds(
  body: { iroh_node_id: string | null; cluster_node_id: number | null },
  ctx: { addIssue: (issue: { code: "custom"; path: string[]; message: string }) => void },
): void {
  if (body.iroh_node_id !== null && body.cluster_node_id === null) {
    ctx.addIssue({
      code: "custom",
      path: ["cluster_node_id"],
      message: "is required with iroh_node_id: a Blixard node sends both",
    });
  } else if (body.cluster_node_id !== null && body.iroh_node_id === null) {
    ctx.addIssue({
      code: "custom",
      path: ["iroh_node_id"],
      message: "is required with cluster_node_id: a Blixard node sends both",
    });
  }
}

/**
 * Metadata keys are stored as given, `constructor` and `toString` included, except
 * `__proto__`: JSON.parse keeps it as a key, but zod's record and every JavaScript reader that
 * copies the map into an object drop it without a word, so it is refused by name instead.
 */
function refuseProtoKey(value: unknown, payload: z.core.ParsePayload): unknown {
  if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
    // An issue left on the payload stops the pipe before the record drops the key.
    payload.issues.push({
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
export const heartbeatBody = z
  .strictObject({
    id: instanceId,
    address: registeredHostPort,
    direct_addresses: z._default(z.array(socketAddress).check(z.maxLength(16)), []),
    relay_url: z._default(z.nullable(httpUrl), null),
    iroh_node_id: z._default(z.nullable(irohNodeId), null),
    cluster_node_id: z._default(
      z.nullable(z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
      null,
    ),
    tags: z._default(z.array(shortText).check(z.maxLength(32)), []),
    metadata: z._default(
      z
        .pipe(z.transform(refuseProtoKey), z.record(shortText, z.string().check(z.maxLength(512))))
        .check(z.refine((m) => Object.keys(m).length <= 32, { message: "at most 32 keys" })),
      {},
    ),
    version: z._default(z.nullable(z.string().check(z.minLength(1), z.maxLength(64))), null),
    weight: z._default(z.int().check(z.gte(1), z.lte(1000)), 1),
    status: z._default(z.enum(STATUSES), "passing"),
    ttl: z._default(z.int().check(z.gte(TTL_MIN), z.lte(TTL_MAX)), TTL_DEFAULT),
  })
  // Only once every field is valid: a bad cluster_node_id is one issue, not two.
  .check(z.superRefine(bothBlixardIds, { when: (payload) => payload.issues.length === 0 }));

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
