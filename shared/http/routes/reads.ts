import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import { chooseBootstrap, toBootstrapInfo } from "../../formats/bootstrap.js";
import { OMITTED_HEADER, toPeersJson } from "../../formats/peers-json.js";
import { toPeersTxt } from "../../formats/peers-txt.js";
import { toRegistryFile } from "../../formats/registry-json.js";
import { toSrv } from "../../formats/srv.js";
import { type SigningSource, SigningUnavailableError } from "../../signing/source.js";
import type { Store } from "../../store/store.js";
import { type BodySigner, cacheable, cacheableJson, EDGE_CACHE_SECONDS } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";
import { applyFilters, filtersOf, idParam, serviceParam } from "../params.js";

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

  // Every principal may list services, but sees only those it may read and the public ones;
  // an anonymous caller (let through only when some services are public) sees those alone.
  app.get("/", async (c) => {
    const principal = c.get("principal");
    if (principal) rateLimit(deps, principal);
    const services = (await store.services(now())).filter(
      (s) => deps.publicServices.has(s.name) || (principal && inScope(principal, s.name)),
    );
    return cacheableJson(c, { services }, false, await signer());
  });

  app.get("/:service/instances", async (c) =>
    cacheableJson(c, await selected(c, false), false, await signer()),
  );

  app.get("/:service/instances/:id/registry.json", async (c) => {
    const service = serviceParam(c);
    const id = idParam(c);
    authorize(c, deps, "read", service);
    const instance = await store.get(service, id, now());
    if (!instance)
      throw new ApiError(404, "not_found", `no live instance ${id} in service ${service}`);
    const file = toRegistryFile(instance);
    if (!file) {
      throw new ApiError(
        404,
        "not_blixard",
        `instance ${id} in service ${service} is not a Blixard node: it has no cluster_node_id or no valid iroh_node_id`,
      );
    }
    return cacheableJson(c, file, true, await signer());
  });

  app.get("/:service/peers.json", async (c) => {
    const { instances } = await selected(c, true);
    const { peers, omitted } = toPeersJson(instances);
    const res = cacheableJson(c, peers, true, await signer());
    // Instances that are not Blixard nodes stay in peers.txt, srv and /instances.
    res.headers.set(OMITTED_HEADER, String(omitted));
    return res;
  });

  /** A joining Blixard node's `BootstrapInfo` (shared/formats/bootstrap.ts). */
  const bootstrap = async (c: Context<AppEnv>) => {
    const { service, instances } = await selected(c, true);
    const node = chooseBootstrap(instances);
    if (!node) {
      throw new ApiError(
        404,
        "no_bootstrap_node",
        `service ${service} has no live, passing Blixard node (cluster_node_id and a valid iroh_node_id) to join through`,
      );
    }
    return cacheableJson(c, toBootstrapInfo(node), false, await signer());
  };
  app.get("/:service/bootstrap", bootstrap);
  // Join URLs (shared/auth/join-capability.ts): checked by the auth middleware.
  app.get("/:service/join/:capability", bootstrap);
  app.get("/:service/join/:capability/bootstrap", bootstrap);

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
