import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import { toPeersJson } from "../../formats/peers-json.js";
import { toPeersTxt } from "../../formats/peers-txt.js";
import { toRegistryFile } from "../../formats/registry-json.js";
import { toSrv } from "../../formats/srv.js";
import { type SigningSource, SigningUnavailableError } from "../../signing/source.js";
import { type InstancePage, InvalidCursorError, type Store } from "../../store/store.js";
import { type BodySigner, cacheable, cacheableJson, EDGE_CACHE_SECONDS } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";
import { applyFilters, filtersOf, idParam, pageOf, serviceParam } from "../params.js";

export interface ReadDeps extends GuardDeps {
  store: Store;
  now: () => number;
  /** Signs every read it answers 200 (shared/signing). Default: unsigned. */
  signing?: SigningSource;
}

export function readRoutes(deps: ReadDeps): Hono<AppEnv> {
  const { store, now, signing } = deps;
  const app = new Hono<AppEnv>();

  /** Asked after the store answered, so a 4xx or 404 never waits on the key set. */
  const signer = async (): Promise<BodySigner | undefined> => {
    if (!signing) return undefined;
    try {
      const keys = await signing.keys();
      return (body) => keys.signatureHeader(body);
    } catch (err) {
      if (!(err instanceof SigningUnavailableError)) throw err;
      // Unsigned would be refused by every verifying node anyway; say why, and when to retry.
      throw new ApiError(503, "signing_unavailable", err.message, undefined, {
        "Retry-After": String(err.retryAfterSeconds),
      });
    }
  };

  /** Live instances of the requested service after `?status=` and `?tag=`. */
  const selected = async (c: Context<AppEnv>, hideCritical: boolean) => {
    const service = serviceParam(c);
    const filters = filtersOf(c);
    authorize(c, deps, "read", service);
    return {
      service,
      instances: applyFilters(await store.list(service, now()), filters, hideCritical),
    };
  };

  // Every principal may list services, but sees only those it may read (and public ones).
  app.get("/", async (c) => {
    const principal = c.get("principal");
    if (principal) rateLimit(deps, principal);
    const services = (await store.services(now())).filter(
      (s) => !principal || deps.publicServices.has(s.name) || inScope(principal, s.name),
    );
    return cacheableJson(c, { services }, false, await signer());
  });

  // With ?limit= or ?cursor=, one page and the cursor of the next (null at the end); the
  // filters apply within the page, so a filtered page may hold fewer than `limit`.
  app.get("/:service/instances", async (c) => {
    const page = pageOf(c);
    if (!page) return cacheableJson(c, await selected(c, false), false, await signer());
    const service = serviceParam(c);
    const filters = filtersOf(c);
    authorize(c, deps, "read", service);
    let answer: InstancePage;
    try {
      answer = await store.listPage(service, now(), page);
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      throw new ApiError(400, "invalid_input", "invalid cursor", [
        { path: "cursor", message: err.message },
      ]);
    }
    const body = {
      service,
      instances: applyFilters(answer.instances, filters, false),
      next_cursor: answer.cursor ?? null,
    };
    return cacheableJson(c, body, false, await signer());
  });

  app.get("/:service/instances/:id/registry.json", async (c) => {
    const service = serviceParam(c);
    const id = idParam(c);
    authorize(c, deps, "read", service);
    const instance = await store.get(service, id, now());
    if (!instance)
      throw new ApiError(404, "not_found", `no live instance ${id} in service ${service}`);
    return cacheableJson(c, toRegistryFile(instance), true, await signer());
  });

  app.get("/:service/peers.json", async (c) => {
    const { instances } = await selected(c, true);
    return cacheableJson(c, toPeersJson(instances), true, await signer());
  });

  app.get("/:service/peers.txt", async (c) => {
    const { instances } = await selected(c, true);
    return cacheable(c, toPeersTxt(instances), "text/plain; charset=utf-8", await signer());
  });

  app.get("/:service/srv", async (c) => {
    const { service, instances } = await selected(c, true);
    return cacheableJson(c, toSrv(service, instances, EDGE_CACHE_SECONDS), false, await signer());
  });

  return app;
}
