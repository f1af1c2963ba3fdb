import { Hono } from "hono";
import { heartbeatBody, heartbeatInterval, type Lease } from "../../model/heartbeat.js";
import { isoSeconds } from "../../model/instance.js";
import type { Store } from "../../store/store.js";
import type { AppEvent } from "../app.js";
import type { AppEnv } from "../env.js";
import { ApiError, invalidInput } from "../errors.js";
import { limitBody, readJson, requireJson } from "../json-body.js";
import { idParam, serviceParam } from "../params.js";

export interface WriteDeps {
  store: Store;
  now: () => number;
  onEvent: (event: AppEvent) => void;
}

/** Principal is set for every write: `requireToken` lets no anonymous write through. */
function owner(principal: AppEnv["Variables"]["principal"]): string {
  if (!principal) throw new ApiError(401, "unauthorized", "missing bearer token");
  return principal.fingerprint;
}

export function writeRoutes({ store, now, onEvent }: WriteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/:service/heartbeats", requireJson, limitBody, async (c) => {
    const json = await readJson(c);
    const service = serviceParam(c);
    const parsed = heartbeatBody.safeParse(json);
    if (!parsed.success) throw invalidInput(parsed.error);
    const { id, ttl, ...fields } = parsed.data;
    const nowMs = now();
    const result = await store.heartbeat({
      service,
      id,
      fields,
      ttl,
      owner: owner(c.get("principal")),
      source: "heartbeat",
      nowMs,
    });
    c.header("Cache-Control", "no-store");
    switch (result.kind) {
      case "conflict":
        throw new ApiError(409, "conflict", `instance ${id} is registered by another token`);
      case "too_soon":
        throw new ApiError(
          429,
          "too_many_requests",
          `heartbeat sooner than ttl/10 after the last one, with nothing changed; retry in ${result.retryAfterSeconds}s`,
          undefined,
          { "Retry-After": String(result.retryAfterSeconds) },
        );
      default: {
        onEvent("heartbeat");
        const lease: Lease = {
          service,
          id,
          expires_at: isoSeconds(result.expiresAt * 1000),
          ttl,
          heartbeat_interval: heartbeatInterval(ttl),
        };
        return c.json(lease, result.kind === "created" ? 201 : 200);
      }
    }
  });

  app.delete("/:service/instances/:id", async (c) => {
    const service = serviceParam(c);
    const id = idParam(c);
    const result = await store.deregister(service, id, owner(c.get("principal")), now());
    if (result === "forbidden") {
      throw new ApiError(403, "forbidden", `instance ${id} is registered by another token`);
    }
    onEvent("deregistration");
    return c.body(null, 204);
  });

  return app;
}
