import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import type { ServicesFormat } from "../../formats/format.js";
import { FORMATS } from "../../formats/registry.js";
import type { Instance } from "../../model/instance.js";
import { serviceName } from "../../model/names.js";
import type { RegistryStore } from "../../store/store.js";
import { cacheableRendered } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { invalidInput } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";

export interface CrossServiceDeps extends GuardDeps {
  store: RegistryStore;
  now: () => number;
}

/**
 * `/v1`: the formats that list every service the caller may read, `?service=` for one
 * (Prometheus's `http_sd`). Without a token: the public services. Unsigned: their readers
 * (scrapers) do not check signatures.
 */
export function crossServiceRoutes(deps: CrossServiceDeps): Hono<AppEnv> {
  const { store, now } = deps;
  const app = new Hono<AppEnv>();

  const servicesAsked = async (c: Context<AppEnv>, format: ServicesFormat): Promise<string[]> => {
    const asked = c.req.query("service");
    if (asked !== undefined) {
      const parsed = serviceName.safeParse(asked);
      if (!parsed.success) throw invalidInput(parsed.error, "service");
      authorize(c, deps, "read", parsed.data, { publicByDefault: format.publicByDefault });
      return [parsed.data];
    }
    const principal = c.get("principal");
    if (principal) rateLimit(deps, principal);
    return (await store.services(now()))
      .map((s) => s.name)
      .filter(
        (name) =>
          (format.publicByDefault && deps.publicServices.has(name)) ||
          (principal !== undefined && inScope(principal, name)),
      );
  };

  const read = (format: ServicesFormat) => async (c: Context<AppEnv>) => {
    const instances: Instance[] = [];
    // One at a time, not push(...list): a service of more than ~125,000 instances would
    // overflow V8's arguments.
    for (const service of await servicesAsked(c, format)) {
      for (const instance of await store.list(service, now())) instances.push(instance);
    }
    return cacheableRendered(c, format.render(instances));
  };

  for (const format of FORMATS) {
    if (format.scope === "services") app.get(`/${format.path}`, read(format));
  }
  return app;
}
