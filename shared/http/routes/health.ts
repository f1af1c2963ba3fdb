import { Hono } from "hono";
import { type DiscoveryHealth, summarize } from "../../discovery/health.js";
import type { RegistryStore } from "../../store/store.js";
import type { AppEnv } from "../env.js";

export interface HealthDeps {
  store: RegistryStore;
  /** May read the store; a store failure answers 503 like any other read. */
  discovery: () => DiscoveryHealth | Promise<DiscoveryHealth>;
}

/** `/health`, open to all: a load balancer's probe carries no token. */
export function healthRoute({ store }: Pick<HealthDeps, "store">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    // A store failure propagates to onError, which answers 503 with Retry-After.
    await store.ping();
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok" });
  });
  return app;
}

/** `/v1/discovery/health`: what each discovery source did last. */
export function discoveryHealthRoute({ discovery }: Pick<HealthDeps, "discovery">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const health = await discovery();
    c.header("Cache-Control", "no-store");
    return c.json(health);
  });
  return app;
}

export const NO_SOURCES = (): DiscoveryHealth => summarize([]);
