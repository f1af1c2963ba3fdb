import { type Context, Hono } from "hono";
import { agentSelf } from "../../consul/agent-self.js";
import { readCatalog } from "../../consul/catalog.js";
import { ConsulError } from "../../consul/errors.js";
import { hasTags, nodeMetaParam, passingParam } from "../../consul/query-params.js";
import {
  type ConsulCheckState,
  type ConsulView,
  catalogService,
  catalogServices,
  serviceEntry,
} from "../../consul/render.js";
import type { ServiceView } from "../../consul/view.js";
import type { Instance } from "../../model/instance.js";
import { serviceName } from "../../model/names.js";
import type { AppEnv } from "../env.js";
import { consulPlain, consulRead } from "./answer.js";
import type { ConsulDeps } from "./options.js";
import { consulPrincipal, mayRead } from "./principal.js";
import { ReaskCap } from "./reask.js";
import { blockingRead } from "./wait.js";

/** muster's version as Consul's clients see it: a Consul version they know the API of. */
const CONSUL_VERSION = "1.20.0";

/** The checks a reader sees: those registered through Consul, else the one a status makes. */
function consulView(instance: Instance, index: number): ConsulView {
  const checks: ConsulCheckState[] | undefined = instance.checks?.map((c) => ({
    checkId: c.check_id,
    name: c.name,
    status: c.status,
    notes: c.notes,
    output: c.output,
  }));
  return { instance, checks, createIndex: index, modifyIndex: index };
}

/**
 * The reads of Consul's API: `/v1/health/service/:name`, `/v1/catalog/service/:name`,
 * `/v1/catalog/services` (blocking queries, wait.ts), `/v1/catalog/datacenters`,
 * `/v1/agent/self`, `/v1/status/leader`.
 */
export function consulReads(deps: ConsulDeps): Hono<AppEnv> {
  const { options, views, now } = deps;
  const ctx = { datacenter: options.datacenter };
  const reask =
    options.blocking.reaskMs && options.blocking.reaskMs > 0
      ? new ReaskCap(deps.store, options.blocking.reaskMs, now)
      : undefined;
  const app = new Hono<AppEnv>();

  /** `?dc=` another datacenter: Consul's 500. `?filter`: not implemented, so refused. */
  const common = (c: Context) => {
    const dc = c.req.query("dc");
    if (dc && dc !== options.datacenter) throw new ConsulError(500, "No path to datacenter");
    if (c.req.query("filter")) {
      throw new ConsulError(
        400,
        "muster does not implement ?filter (Consul's filter expressions); select with ?tag, ?passing and ?node-meta, or filter on the client (docs/consul.md)",
      );
    }
  };

  /** A service's view, held while the caller's index is current. */
  const serviceRead = async (
    c: Context<AppEnv>,
  ): Promise<{ view: ServiceView | undefined; readable: boolean }> => {
    common(c);
    const principal = await consulPrincipal(c, deps);
    // Consul's names are looked up without regard to case; muster's are lowercase DNS labels.
    const raw = c.req.param("service") ?? "";
    const parsed = serviceName.safeParse(raw.toLowerCase());
    if (!parsed.success) return { view: undefined, readable: false };
    const service = parsed.data;
    const feed = options.blocking.feed;
    const view = await blockingRead(c, {
      blocking: options.blocking,
      read: () => views.view(service, now()),
      subscribe: feed && ((wake) => feed.subscribe(service, wake)),
      now,
      principal,
      reask,
    });
    return { view, readable: mayRead(deps, principal, service) };
  };

  /** `?node-meta=k:v`: muster's nodes carry no metadata, so any pair matches none of them. */
  const nodeMetaMatches = (c: Context) =>
    Object.keys(nodeMetaParam(c.req.queries("node-meta") ?? [])).length === 0;

  app.get("/health/service/:service", async (c) => {
    const passing = passingParam(c.req.queries("passing") ?? []);
    if (!passing.ok) throw new ConsulError(400, passing.message);
    const tags = c.req.queries("tag") ?? [];
    const { view, readable } = await serviceRead(c);
    if (!view) return consulRead(c, [], { index: 1 });
    const entries =
      readable && nodeMetaMatches(c)
        ? view.instances
            .filter((i) => hasTags(i.tags, tags) && (!passing.value || i.status === "passing"))
            .map((i) => serviceEntry(consulView(i, view.index), ctx))
        : [];
    return consulRead(c, entries, {
      index: view.index,
      filtered: !readable && view.instances.length > 0,
    });
  });

  app.get("/catalog/service/:service", async (c) => {
    const tags = c.req.queries("tag") ?? [];
    const { view, readable } = await serviceRead(c);
    if (!view) return consulRead(c, [], { index: 1 });
    const rows =
      readable && nodeMetaMatches(c)
        ? view.instances
            .filter((i) => hasTags(i.tags, tags))
            .map((i) => catalogService(consulView(i, view.index), ctx))
        : [];
    return consulRead(c, rows, {
      index: view.index,
      filtered: !readable && view.instances.length > 0,
    });
  });

  app.get("/catalog/services", async (c) => {
    common(c);
    const principal = await consulPrincipal(c, deps);
    const feed = options.blocking.feed;
    const catalog = await blockingRead(c, {
      blocking: options.blocking,
      read: () => readCatalog(views, now()),
      subscribe: feed && ((wake) => feed.subscribeAll(wake)),
      now,
      principal,
      reask,
    });
    const listed: { service: string; tags: string[] }[] = [];
    let filtered = false;
    if (nodeMetaMatches(c)) {
      for (const [service, { tags }] of catalog.services) {
        if (mayRead(deps, principal, service)) listed.push({ service, tags });
        else filtered = true;
      }
    }
    return consulRead(c, catalogServices(listed), { index: catalog.index, filtered });
  });

  app.get("/catalog/datacenters", (c) => consulPlain(c, [options.datacenter]));

  app.get("/agent/self", async (c) => {
    await consulPrincipal(c, deps);
    const host = new URL(c.req.url).hostname;
    return consulPlain(
      c,
      agentSelf({
        datacenter: options.datacenter,
        nodeName: "muster",
        version: CONSUL_VERSION,
        revision: "muster",
        address: host,
      }),
    );
  });

  app.get("/status/leader", async (c) => {
    await consulPrincipal(c, deps);
    const host = new URL(c.req.url).hostname;
    // Consul answers its leader's RPC address; muster has none, so the address it answers on.
    return consulPlain(c, `${host}:8300`);
  });

  return app;
}
