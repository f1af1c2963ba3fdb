import { Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import { type TargetGroup, toTargetGroups } from "../../formats/http-sd.js";
import { serviceName } from "../../model/names.js";
import type { RegistryStore } from "../../store/store.js";
import { cacheableJson } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { invalidInput } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";

export interface HttpSdDeps extends GuardDeps {
  store: RegistryStore;
  now: () => number;
}

/**
 * `GET /v1/http_sd`: Prometheus's HTTP service discovery over every service the caller may
 * read (`?service=` for one). Without a token: the public services.
 */
export function httpSdRoute(deps: HttpSdDeps): Hono<AppEnv> {
  const { store, now } = deps;
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const asked = c.req.query("service");
    let services: string[];
    if (asked !== undefined) {
      const parsed = serviceName.safeParse(asked);
      if (!parsed.success) throw invalidInput(parsed.error, "service");
      authorize(c, deps, "read", parsed.data);
      services = [parsed.data];
    } else {
      const principal = c.get("principal");
      if (principal) rateLimit(deps, principal);
      services = (await store.services(now()))
        .map((s) => s.name)
        .filter(
          (name) =>
            deps.publicServices.has(name) || (principal !== undefined && inScope(principal, name)),
        );
    }
    const groups: TargetGroup[] = [];
    // One at a time, not push(...groups): a service of more than ~125,000 instances would
    // overflow V8's arguments.
    for (const service of services) {
      for (const group of toTargetGroups(await store.list(service, now()))) groups.push(group);
    }
    return cacheableJson(c, groups);
  });
  return app;
}
