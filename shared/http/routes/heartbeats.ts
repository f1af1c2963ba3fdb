import { type Context, Hono } from "hono";
import { heartbeatBody, heartbeatInterval, type Lease } from "../../model/heartbeat.js";
import { isoSeconds } from "../../model/instance.js";
import { Env } from "../../settings/names.js";
import { contentHash } from "../../store/item.js";
import { floorIntervalMs } from "../../store/rules.js";
import type { RegistryStore } from "../../store/store.js";
import type { AppEvent } from "../app-event.js";
import type { AppEnv } from "../env.js";
import { ApiError, invalidInput } from "../errors.js";
import type { FloodGuard } from "../flood-guard.js";
import { authorize, authorizeInstance, callerNoun, type GuardDeps } from "../guard.js";
import { limitBody, readJson, requireJson } from "../json-body.js";
import { idParam, serviceParam } from "../params.js";
import type { Quotas } from "../quotas.js";

export interface WriteDeps extends GuardDeps {
  store: RegistryStore;
  now: () => number;
  onEvent: (event: AppEvent) => void;
  /** Undefined: every heartbeat goes to the table. */
  floodGuard: FloodGuard | undefined;
  /** Undefined: no caps. */
  quotas: Quotas | undefined;
}

function tooSoon(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    "too_many_requests",
    `heartbeat sooner than ttl/10 after the last one, with nothing changed; retry in ${retryAfterSeconds}s`,
    undefined,
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/**
 * One heartbeat, whoever asked: validation, authorization (scope, rate limit), the flood
 * guard's floor, the conditional write and the caps. A refusal is thrown as an ApiError (or
 * StoreUnavailableError); the single endpoint and each item of a batch answer with it alike.
 */
export async function heartbeatOne(
  deps: WriteDeps,
  c: Context<AppEnv>,
  service: string,
  json: unknown,
): Promise<{ status: 200 | 201; lease: Lease }> {
  const { store, now, onEvent, floodGuard, quotas } = deps;
  const parsed = heartbeatBody.safeParse(json);
  if (!parsed.success) throw invalidInput(parsed.error);
  // requireToken lets no anonymous write through, and authorize refuses one anyway.
  const principal = authorize(c, deps, "write", service);
  if (!principal) throw new ApiError(401, "unauthorized", "missing bearer token");
  const owner = principal.fingerprint;
  const { id, ttl, ...fields } = parsed.data;
  authorizeInstance(principal, id);

  // Made once: the flood guard compares it, and the store writes it.
  const hash = contentHash({ ...fields, ttl });
  // Most of a flood from one instance stops here, before the table.
  const admission = floodGuard?.admit(service, id, owner, hash, floorIntervalMs(ttl));
  if (admission && !admission.ok) throw tooSoon(admission.retryAfterSeconds);
  let accepted = false;
  const nowMs = now();
  try {
    const result = await store.heartbeat({
      service,
      id,
      fields,
      ttl,
      owner,
      source: "heartbeat",
      nowMs,
      contentHash: hash,
    });
    switch (result.kind) {
      case "conflict":
        throw new ApiError(
          409,
          "conflict",
          `instance ${id} is registered by another token or role`,
        );
      case "too_soon":
        throw tooSoon(result.retryAfterSeconds);
      default: {
        accepted = true;
        if (result.kind === "created" && quotas) {
          // A refused creation is undone: the refused heartbeat leaves nothing behind.
          const check = await quotas.admitCreation({ service, id, principal, lastSeenMs: nowMs });
          if (!check.ok) {
            accepted = false;
            const which =
              check.cap === Env.MUSTER_MAX_INSTANCES_PER_SERVICE
                ? `service ${service} has`
                : `${callerNoun(principal)} has`;
            throw new ApiError(
              403,
              "quota_exceeded",
              `${which} reached its cap of ${check.limit} live instances (${check.cap})`,
            );
          }
        }
        onEvent("heartbeat");
        const lease: Lease = {
          service,
          id,
          expires_at: isoSeconds(result.expiresAt * 1000),
          ttl,
          heartbeat_interval: heartbeatInterval(ttl),
        };
        return { status: result.kind === "created" ? 201 : 200, lease };
      }
    }
  } finally {
    if (admission?.ok) admission.done(accepted);
  }
}

export function writeRoutes(deps: WriteDeps): Hono<AppEnv> {
  const { store, now, onEvent, floodGuard } = deps;
  const app = new Hono<AppEnv>();

  app.post("/:service/heartbeats", requireJson, limitBody, async (c) => {
    const json = await readJson(c);
    const service = serviceParam(c);
    c.header("Cache-Control", "no-store");
    const { status, lease } = await heartbeatOne(deps, c, service, json);
    return c.json(lease, status);
  });

  app.delete("/:service/instances/:id", async (c) => {
    const service = serviceParam(c);
    const id = idParam(c);
    const principal = authorize(c, deps, "write", service);
    if (!principal) throw new ApiError(401, "unauthorized", "missing bearer token");
    authorizeInstance(principal, id);
    const result = await store.deregister(service, id, principal.fingerprint, now());
    if (result === "forbidden") {
      throw new ApiError(403, "forbidden", `instance ${id} is registered by another token`);
    }
    // Deleted or already gone: either way a registration that follows is not a duplicate.
    floodGuard?.forget(service, id);
    onEvent("deregistration");
    return c.body(null, 204);
  });

  return app;
}
