import { Hono } from "hono";
import { mapLimit } from "../../map-limit.js";
import { serviceName } from "../../model/names.js";
import { StoreUnavailableError } from "../../store/store.js";
import * as z from "../../validation/zod.js";
import type { AppEnv } from "../env.js";
import { ApiError, type ErrorBody, invalidInput } from "../errors.js";
import {
  limitBodyTo,
  MAX_BATCH_BODY_BYTES,
  MAX_BODY_BYTES,
  readJson,
  requireJson,
} from "../json-body.js";
import { heartbeatOne, type WriteDeps } from "./heartbeats.js";

/** Items one batch may carry: a host's instances, not a fleet's. */
export const MAX_BATCH_ITEMS = 100;
/**
 * Items written at once: a batch finishes in a few round trips without a burst on one shard.
 * With caps, one at a time: concurrent creations would each count the others and all be
 * refused, where one after another they are admitted up to the cap, as single requests are.
 */
const CONCURRENCY = 8;

const batchBody = z.strictObject({
  heartbeats: z
    .array(z.looseObject({ service: serviceName }))
    .check(z.minLength(1), z.maxLength(MAX_BATCH_ITEMS)),
});

export interface ItemResult {
  /** What `POST /v1/services/{service}/heartbeats` would have answered this item. */
  status: number;
  body: unknown;
  /** Seconds, where the single answer would carry Retry-After. */
  retry_after?: number;
}

function refused(err: ApiError): ItemResult {
  const retry = err.headers["Retry-After"];
  return {
    status: err.status,
    body: err.body() satisfies ErrorBody,
    ...(retry !== undefined ? { retry_after: Number(retry) } : {}),
  };
}

/**
 * `POST /v1/heartbeats`: `{"heartbeats": [{"service": …, …heartbeat fields}]}`, one request
 * and one invocation for every instance a host runs. Each item goes through the single
 * heartbeat's own path (heartbeatOne: validation, scope, rate limit, floor, ownership, caps)
 * and gets the status and body that path would have answered, in the order sent. The batch
 * itself answers 200 once it is well-formed, whatever its items' fates.
 */
export function batchRoutes(deps: WriteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/", requireJson, limitBodyTo(MAX_BATCH_BODY_BYTES), async (c) => {
    const json = await readJson(c, MAX_BATCH_BODY_BYTES);
    const parsed = batchBody.safeParse(json);
    if (!parsed.success) throw invalidInput(parsed.error);
    if (!c.get("principal")) throw new ApiError(401, "unauthorized", "missing bearer token");
    const one = async (ctx: typeof c, service: string, body: unknown): Promise<ItemResult> => {
      try {
        // The single endpoint's body cap holds per item.
        if (Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) {
          throw new ApiError(
            413,
            "payload_too_large",
            `item is larger than ${MAX_BODY_BYTES} bytes`,
          );
        }
        const { status, lease } = await heartbeatOne(deps, ctx, service, body);
        return { status, body: lease };
      } catch (err) {
        if (err instanceof ApiError) return refused(err);
        if (err instanceof StoreUnavailableError) {
          deps.onEvent("store_unavailable");
          return refused(
            new ApiError(503, "store_unavailable", err.message, undefined, {
              "Retry-After": String(err.retryAfterSeconds),
            }),
          );
        }
        throw err;
      }
    };
    // Each item as it was sent, not as zod copied it: its copy drops a `__proto__` key (an
    // assignment sets the prototype instead), which the single endpoint names as unknown.
    // Object.entries and fromEntries keep it as an own key.
    const raw = (json as { heartbeats: Record<string, unknown>[] }).heartbeats;
    const items = parsed.data.heartbeats.map(({ service }, i) => ({
      service,
      body: Object.fromEntries(Object.entries(raw[i] ?? {}).filter(([key]) => key !== "service")),
    }));
    // Nothing aborts a batch, so every item has its result.
    const results = (await mapLimit(
      items,
      deps.quotas ? 1 : CONCURRENCY,
      undefined,
      ({ service, body }) => one(c, service, body),
    )) as ItemResult[];
    c.header("Cache-Control", "no-store");
    return c.json({ results });
  });
  return app;
}
