import { type Context, Hono } from "hono";
import { inScope } from "../../auth/scopes.js";
import type { ChangeLog } from "../../changes/change-log.js";
import {
  type InstanceFormat,
  NotRenderable,
  type Rendered,
  type ServiceFormat,
} from "../../formats/format.js";
import { FORMATS } from "../../formats/registry.js";
import { nextChangeMs } from "../../model/instance.js";
import type { SigningSource } from "../../signing/source.js";
import { type InstancePage, InvalidCursorError, type RegistryStore } from "../../store/store.js";
import type { AnswerCache } from "../answer-cache.js";
import { type BlockingReads, blockingAnswer, waitParam } from "../blocking.js";
import { cacheableJson, cacheableRendered, EDGE_CACHE_SECONDS } from "../cacheable.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { authorize, type GuardDeps, rateLimit } from "../guard.js";
import { applyFilters, type Filters, filtersOf, idParam, pageOf, serviceParam } from "../params.js";
import { RenderedAnswer } from "../rendered-answer.js";
import { serviceEntry } from "../service-summary.js";
import { signerOf } from "../signer.js";
import { WaitingReads } from "../waiting-reads.js";

export interface ReadDeps extends GuardDeps {
  store: RegistryStore;
  now: () => number;
  /** Signs every read it answers 200 (shared/signing). Default: unsigned. */
  signing?: SigningSource;
  /** `?wait=` on list reads (shared/http/blocking.ts). Default: refused with 400. */
  blocking?: BlockingReads;
  /**
   * Keeps each list read's rendering until its service changes (answer-cache.ts); only where
   * every write is heard (local mode over its SQLite file). Default: every read renders.
   */
  answers?: AnswerCache;
  /** Local mode's change log: the services list's `last_change` includes its leaves. */
  changes?: ChangeLog;
}

/**
 * Where a join URL (shared/auth/join-capability.ts) serves its format, under the service: Blixard
 * GETs the URL it was given, or that URL with the format's path appended.
 */
const JOIN_ROUTES = (format: ServiceFormat) => [
  "join/:capability",
  `join/:capability/${format.path}`,
];

/** The filters as part of a cache key: the same instances pass whatever the tags' order. */
function filtersKey(filters: Filters): string {
  return JSON.stringify([filters.status ?? null, [...new Set(filters.tags)].sort()]);
}

function rendered(render: () => Rendered): Rendered {
  try {
    return render();
  } catch (err) {
    if (err instanceof NotRenderable) throw new ApiError(404, err.code, err.message);
    throw err;
  }
}

/**
 * `/v1/services`: the services list, and every format of a service or of an instance in the
 * registry (shared/formats/registry.ts), each at its path.
 */
export function readRoutes(deps: ReadDeps): Hono<AppEnv> {
  const { store, now, signing, answers } = deps;
  const app = new Hono<AppEnv>();
  const blocking = deps.blocking;
  const waits = blocking
    ? (blocking.waits ?? new WaitingReads({ feed: blocking.feed, pollMs: blocking.pollMs, now }))
    : undefined;

  /** Asked after the store answered, so a 4xx or 404 never waits on the key set. */
  const signer = signerOf(signing);

  /**
   * A list read of the requested service: authorised and charged once, then answered from the
   * answer cache (when there is one) or rendered from the store, as often as a blocking read
   * needs (`?wait=`).
   */
  const listRead = async (c: Context<AppEnv>, format: ServiceFormat): Promise<Response> => {
    const service = serviceParam(c);
    const filters = filtersOf(c);
    const waitSeconds = waitParam(c, deps.blocking);
    authorize(c, deps, "read", service, { publicByDefault: format.publicByDefault });
    const key = `${format.name}\n${service}\n${filtersKey(filters)}`;
    const render = async () => {
      const nowMs = now();
      const live = await store.list(service, nowMs);
      const instances = applyFilters(live, filters, format.hidesCritical);
      const file = rendered(() =>
        format.render({ service, instances, cacheSeconds: EDGE_CACHE_SECONDS }),
      );
      return new RenderedAnswer(file, nextChangeMs(live, nowMs));
    };
    return blockingAnswer(c, {
      service,
      key,
      waitSeconds,
      blocking: deps.blocking,
      waits,
      signer,
      render: answers
        ? () =>
            answers.get(service, key, now(), async () => {
              const value = await render();
              return { value, validUntilMs: value.nextExpiryMs, size: value.size };
            })
        : render,
    });
  };

  /** With ?limit= or ?cursor=: one page and the cursor of the next (null at the end). */
  const pageRead = async (
    c: Context<AppEnv>,
    format: ServiceFormat,
    page: NonNullable<ReturnType<typeof pageOf>>,
  ): Promise<Response> => {
    const service = serviceParam(c);
    const filters = filtersOf(c);
    authorize(c, deps, "read", service, { publicByDefault: format.publicByDefault });
    let answer: InstancePage;
    try {
      answer = await store.listPage(service, now(), page);
    } catch (err) {
      if (!(err instanceof InvalidCursorError)) throw err;
      throw new ApiError(400, "invalid_input", "invalid cursor", [
        { path: "cursor", message: err.message },
      ]);
    }
    // The filters apply within the page, so a filtered page may hold fewer than `limit`.
    const instances = applyFilters(answer.instances, filters, format.hidesCritical);
    const file = rendered(() =>
      format.render({
        service,
        instances,
        cacheSeconds: EDGE_CACHE_SECONDS,
        nextCursor: answer.cursor ?? null,
      }),
    );
    return cacheableRendered(c, file, await signer());
  };

  const serviceRead = (format: ServiceFormat) => (c: Context<AppEnv>) => {
    if (format.statusRefused !== undefined && c.req.query("status") !== undefined) {
      throw new ApiError(400, "invalid_input", "invalid status", [
        { path: "status", message: format.statusRefused },
      ]);
    }
    const page = format.pageable ? pageOf(c) : undefined;
    return page ? pageRead(c, format, page) : listRead(c, format);
  };

  const instanceRead = (format: InstanceFormat) => async (c: Context<AppEnv>) => {
    const service = serviceParam(c);
    const id = idParam(c);
    authorize(c, deps, "read", service, { publicByDefault: format.publicByDefault });
    const instance = await store.get(service, id, now());
    if (!instance) {
      throw new ApiError(404, "not_found", `no live instance ${id} in service ${service}`);
    }
    return cacheableRendered(
      c,
      rendered(() => format.render(instance)),
      await signer(),
    );
  };

  // Every principal may list services, but sees only those it may read and the public ones;
  // an anonymous caller (let through only when some services are public) sees those alone.
  app.get("/", async (c) => {
    const principal = c.get("principal");
    if (principal) rateLimit(deps, principal);
    const services = (await store.services(now()))
      .filter((s) => deps.publicServices.has(s.name) || (principal && inScope(principal, s.name)))
      .map((s) => serviceEntry(s, deps.publicServices, deps.changes));
    return cacheableJson(c, { services }, false, await signer());
  });

  for (const format of FORMATS) {
    if (format.scope === "service") {
      const paths = [format.path, ...(format.presign === "join" ? JOIN_ROUTES(format) : [])];
      for (const path of paths) app.get(`/:service/${path}`, serviceRead(format));
    } else if (format.scope === "instance") {
      app.get(`/:service/${format.path.replace("{id}", ":id")}`, instanceRead(format));
    }
  }

  return app;
}
