import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import { chooseBootstrap, toBootstrapInfo } from "../../formats/bootstrap.js";
import { OMITTED_HEADER, toPeersJson } from "../../formats/peers-json.js";
import { toPeersTxt } from "../../formats/peers-txt.js";
import { toRegistryFile } from "../../formats/registry-json.js";
import { toSrv } from "../../formats/srv.js";
import {
  STELLAR_CONTENT_TYPES,
  STELLAR_FILE_NAMES,
  stellarFiles,
  toStellarPeers,
} from "../../formats/stellar.js";
import type { Instance } from "../../model/instance.js";
import { type SigningSource, SigningUnavailableError } from "../../signing/source.js";
import { type InstancePage, InvalidCursorError, type Store } from "../../store/store.js";
import { type BlockingReads, blockingAnswer, type Rendered, waitParam } from "../blocking.js";
import { type BodySigner, cacheableJson, EDGE_CACHE_SECONDS } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";
import { applyFilters, filtersOf, idParam, pageOf, serviceParam } from "../params.js";

export interface ReadDeps extends GuardDeps {
  store: Store;
  now: () => number;
  /** Signs every read it answers 200 (shared/signing). Default: unsigned. */
  signing?: SigningSource;
  /** `?wait=` on list reads (shared/http/blocking.ts). Default: refused with 400. */
  blocking?: BlockingReads;
}

const TEXT = "text/plain; charset=utf-8";

function json(value: unknown, pretty = false): Omit<Rendered, "nextExpiryMs"> {
  return {
    body: pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value),
    contentType: "application/json; charset=utf-8",
  };
}

function soonestExpiry(instances: readonly Instance[]): number | undefined {
  let soonest: number | undefined;
  for (const i of instances) {
    const at = Date.parse(i.expires_at);
    if (!Number.isNaN(at) && (soonest === undefined || at < soonest)) soonest = at;
  }
  return soonest;
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

  /**
   * A list read of the requested service: authorised and charged once, then rendered from
   * the store as often as a blocking read needs (`?wait=`).
   */
  const listRead = async (
    c: Context<AppEnv>,
    hideCritical: boolean,
    shape: (service: string, instances: Instance[]) => Omit<Rendered, "nextExpiryMs">,
  ): Promise<Response> => {
    const service = serviceParam(c);
    const filters = filtersOf(c);
    const waitSeconds = waitParam(c, deps.blocking);
    authorize(c, deps, "read", service);
    return blockingAnswer(c, {
      service,
      waitSeconds,
      blocking: deps.blocking,
      signer,
      now,
      render: async () => {
        const live = await store.list(service, now());
        return {
          ...shape(service, applyFilters(live, filters, hideCritical)),
          nextExpiryMs: soonestExpiry(live),
        };
      },
    });
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

  // With ?limit= or ?cursor=, one page and the cursor of the next (null at the end); the
  // filters apply within the page, so a filtered page may hold fewer than `limit`.
  app.get("/:service/instances", async (c) => {
    const page = pageOf(c);
    if (!page) return listRead(c, false, (service, instances) => json({ service, instances }));
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

  app.get("/:service/peers.json", (c) =>
    listRead(c, true, (_, instances) => {
      const { peers, omitted } = toPeersJson(instances);
      // Instances that are not Blixard nodes stay in peers.txt, srv and /instances.
      return { ...json(peers, true), headers: { [OMITTED_HEADER]: String(omitted) } };
    }),
  );

  /** A joining Blixard node's `BootstrapInfo` (shared/formats/bootstrap.ts). */
  const bootstrap = (c: Context<AppEnv>) =>
    listRead(c, true, (service, instances) => {
      const node = chooseBootstrap(instances);
      if (!node) {
        throw new ApiError(
          404,
          "no_bootstrap_node",
          `service ${service} has no live, passing Blixard node (cluster_node_id and a valid iroh_node_id) to join through`,
        );
      }
      return json(toBootstrapInfo(node));
    });
  app.get("/:service/bootstrap", bootstrap);
  // Join URLs (shared/auth/join-capability.ts): checked by the auth middleware.
  app.get("/:service/join/:capability", bootstrap);
  app.get("/:service/join/:capability/bootstrap", bootstrap);

  app.get("/:service/peers.txt", (c) =>
    listRead(c, true, (_, instances) => ({ body: toPeersTxt(instances), contentType: TEXT })),
  );

  app.get("/:service/srv", (c) =>
    listRead(c, true, (service, instances) => json(toSrv(service, instances, EDGE_CACHE_SECONDS))),
  );

  // Stellar's ConfigMap keys. The files list passing validators whatever `?status=` says, so
  // the parameter is refused rather than silently ignored.
  for (const name of STELLAR_FILE_NAMES) {
    app.get(`/:service/stellar/${name}`, (c) => {
      if (c.req.query("status") !== undefined) {
        throw new ApiError(400, "invalid_input", "invalid status", [
          { path: "status", message: "the Stellar files list passing validators only" },
        ]);
      }
      return listRead(c, true, (_, instances) => ({
        body: stellarFiles(toStellarPeers(instances))[name],
        contentType: STELLAR_CONTENT_TYPES[name],
      }));
    });
  }

  return app;
}
