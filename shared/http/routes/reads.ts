import { Hono } from "hono";
import { toPeersJson } from "../../formats/peers-json.js";
import { toPeersTxt } from "../../formats/peers-txt.js";
import { toRegistryFile } from "../../formats/registry-json.js";
import { toSrv } from "../../formats/srv.js";
import type { Store } from "../../store/store.js";
import { cacheable, cacheableJson, EDGE_CACHE_SECONDS } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { applyFilters, filtersOf, idParam, serviceParam } from "../params.js";

export interface ReadDeps {
  store: Store;
  now: () => number;
}

export function readRoutes({ store, now }: ReadDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  /** Live instances of the requested service after `?status=` and `?tag=`. */
  const selected = async (c: Parameters<typeof serviceParam>[0], hideCritical: boolean) => {
    const service = serviceParam(c);
    const filters = filtersOf(c);
    return {
      service,
      instances: applyFilters(await store.list(service, now()), filters, hideCritical),
    };
  };

  app.get("/", async (c) => cacheableJson(c, { services: await store.services(now()) }));

  app.get("/:service/instances", async (c) => cacheableJson(c, await selected(c, false)));

  app.get("/:service/instances/:id/registry.json", async (c) => {
    const service = serviceParam(c);
    const id = idParam(c);
    const instance = await store.get(service, id, now());
    if (!instance)
      throw new ApiError(404, "not_found", `no live instance ${id} in service ${service}`);
    return cacheableJson(c, toRegistryFile(instance), true);
  });

  app.get("/:service/peers.json", async (c) => {
    const { instances } = await selected(c, true);
    return cacheableJson(c, toPeersJson(instances), true);
  });

  app.get("/:service/peers.txt", async (c) => {
    const { instances } = await selected(c, true);
    return cacheable(c, toPeersTxt(instances), "text/plain; charset=utf-8");
  });

  app.get("/:service/srv", async (c) => {
    const { service, instances } = await selected(c, true);
    return cacheableJson(c, toSrv(service, instances, EDGE_CACHE_SECONDS));
  });

  return app;
}
