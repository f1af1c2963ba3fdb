import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { PresignKeys } from "../auth/presign.js";
import { AnyToken, type ScopedTokens } from "../auth/scoped-tokens.js";
import { TokensUnavailableError } from "../auth/secret-tokens.js";
import type { TokenVerifier } from "../auth/tokens.js";
import type { ChangeLog } from "../changes/change-log.js";
import { AliasBook } from "../consul/aliases.js";
import { ConsulViews } from "../consul/views.js";
import type { DiscoveryHealth } from "../discovery/health.js";
import { DEFAULT_DNS_ZONE } from "../dns/names.js";
import { type AppLogger, silentLogger } from "../logging.js";
import type { DnsSettings } from "../settings/dns.js";
import type { SigningSource } from "../signing/source.js";
import { type RegistryStore, StoreUnavailableError } from "../store/store.js";
import type { AnswerCache } from "./answer-cache.js";
import type { AppEvent } from "./app-event.js";
import { type AuthOptions, requireToken } from "./auth.js";
import type { BlockingReads } from "./blocking.js";
import { EDGE_CACHE_SECONDS } from "./cacheable.js";
import { consulRoutes } from "./consul/app.js";
import type { ConsulOptions } from "./consul/options.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import { FloodGuard } from "./flood-guard.js";
import { authorizeAdmin, type GuardDeps } from "./guard.js";
import { Quotas } from "./quotas.js";
import { TokenBuckets } from "./rate-limit.js";
import { adminRoutes } from "./routes/admin.js";
import { changesRoute } from "./routes/changes.js";
import { crossServiceRoutes } from "./routes/cross-service.js";
import { dohRoute } from "./routes/doh.js";
import { discoveryHealthRoute, healthRoute, NO_SOURCES } from "./routes/health.js";
import { batchRoutes } from "./routes/heartbeat-batch.js";
import { writeRoutes } from "./routes/heartbeats.js";
import { keysRoute } from "./routes/keys.js";
import { readRoutes } from "./routes/reads.js";
import { uiRoutes } from "./routes/ui.js";
import { uiAssets } from "./ui-assets.js";

export interface AppOptions {
  store: RegistryStore;
  tokens: TokenVerifier;
  /** Services whose reads need no token. Default: none. */
  publicServices?: ReadonlySet<string>;
  /** Epoch milliseconds. Default `Date.now`; tests inject a clock to expire leases. */
  now?: () => number;
  /** Default: silent. */
  logger?: AppLogger;
  /** Default: no sources. The reconciler supplies its status here. */
  discovery?: () => DiscoveryHealth | Promise<DiscoveryHealth>;
  /**
   * Called once per accepted heartbeat, per deregistration answered 204, and per request refused
   * with 503 because the store is unavailable. The Lambda entry counts them as CloudWatch metrics.
   * It runs on the request path: keep it synchronous and cheap. Default: nothing.
   */
  onEvent?: (event: AppEvent) => void;
  /** Signs every read answered 200 and serves the public keys. Default: unsigned. */
  signing?: SigningSource;
  /**
   * Tokens kept in the table, verified after the bootstrap `tokens` and managed through
   * /v1/admin/tokens. Default: none (the admin token endpoints answer 404).
   */
  scopedTokens?: ScopedTokens;
  /** Keys of presigned URLs. Default: none (presigned URLs refused, minting 404). */
  presign?: PresignKeys;
  /**
   * Origin of minted URLs when the minting request names no `base_url` (MUSTER_BASE_URL).
   * Default: the minting request's own origin.
   */
  baseUrl?: string;
  /** Per token, per process. Default: no limit. */
  rateLimit?: { ratePerSecond: number; burst: number };
  /** Live-instance caps (0: none) and how long a count is reused. Default: no caps. */
  caps?: { maxPerService: number; maxPerToken: number; countSeconds?: number };
  /** The in-process per-instance flood guard (flood-guard.ts). Default: on. */
  floodGuard?: boolean;
  /**
   * `?wait=` on list reads (shared/http/blocking.ts). Give `feed` the ChangeFeed that the
   * store was wrapped with (shared/store/change-feed.ts `notifyingStore`) so that writes wake
   * waiting reads at once. Default: refused with 400 `wait_unsupported`.
   */
  blockingReads?: BlockingReads;
  /**
   * Keeps list reads' and DNS answers' renderings until their service changes
   * (answer-cache.ts), its versions being those of the feed the store was wrapped with. Only
   * where that feed hears every write: local mode over its own SQLite file. Default: none,
   * every read renders.
   */
  answers?: AnswerCache;
  /**
   * What DNS over HTTPS answers for: the zone (MUSTER_DNS_ZONE) and the service `_iroh._tcp`
   * maps to (MUSTER_DNS_IROH_SERVICE). Default: `muster.internal`, no mapping.
   */
  dns?: DnsSettings;
  /** Called with each refusal's code and status (local mode counts them). Default: nothing. */
  onRefusal?: (code: string, status: number) => void;
  /** Consul's HTTP API under `/v1/agent`, `/v1/health`, `/v1/catalog`, `/v1/status`. Default: off. */
  consul?: ConsulOptions;
  /**
   * IAM roles whose SigV4-signed requests are principals of their own, and how to read the
   * signed caller (Lambda behind an AWS_IAM function URL). Default: tokens only.
   */
  iam?: AuthOptions["iam"];
  /**
   * Local mode's change log (shared/changes): `GET /v1/changes` answers from it, and the
   * services list's `last_change` counts its leaves. Default: the joins the table holds.
   */
  changes?: ChangeLog;
  /**
   * The web UI at /ui (docs/ui.md): its built files (asked for on the first /ui request) and
   * how often the page polls where reads are not woken in process. Default: no UI (404).
   */
  ui?: { assets: () => Promise<Map<string, Uint8Array>>; pollSeconds: number };
}

/** The whole v1 HTTP contract (docs/api.md), the same app on Lambda and on Node. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const { store, tokens } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const onEvent = options.onEvent ?? (() => {});
  const app = new Hono<AppEnv>();

  // Before the tokens: the UI's files hold no data and need none.
  if (options.ui) app.route("/ui", uiRoutes(uiAssets(options.ui, options)));

  // Tokens kept in a secret: every request waits for them, and is refused 503 without them
  // (never 401: a node must not think its token was revoked because Secrets Manager is down).
  if (tokens.refresh) {
    app.use("*", async (_c, next) => {
      await tokens.refresh?.();
      await next();
    });
  }
  app.route("/health", healthRoute({ store }));
  app.route("/.well-known", keysRoute({ signing: options.signing, now }));
  const publicServices = options.publicServices ?? new Set<string>();
  const guard: GuardDeps = {
    publicServices,
    buckets:
      options.rateLimit && options.rateLimit.ratePerSecond > 0
        ? new TokenBuckets({ ...options.rateLimit, now })
        : undefined,
  };
  const caps = options.caps;
  const quotas =
    caps && (caps.maxPerService > 0 || caps.maxPerToken > 0)
      ? new Quotas(store, { ...caps, countSeconds: caps.countSeconds ?? 10, now })
      : undefined;
  // Before muster's own authentication: Consul's clients carry their tokens their way.
  if (options.consul) {
    app.route(
      "/v1",
      consulRoutes({
        options: options.consul,
        store,
        views: new ConsulViews(store, { feed: options.consul.blocking.feed }),
        aliases: new AliasBook(store),
        tokens: new AnyToken(tokens, options.scopedTokens),
        publicServices,
        buckets: guard.buckets,
        quotas,
        now,
        logger,
        onRefusal: options.onRefusal,
      }),
    );
  }
  app.use(
    "/v1/*",
    requireToken({
      tokens: new AnyToken(tokens, options.scopedTokens),
      publicServices,
      presign: options.presign,
      now,
      iam: options.iam,
    }),
  );
  const writeDeps = {
    ...guard,
    store,
    now,
    onEvent,
    floodGuard: options.floodGuard === false ? undefined : new FloodGuard({ now }),
    quotas,
  };
  app.route("/v1/services", writeRoutes(writeDeps));
  app.route("/v1/heartbeats", batchRoutes(writeDeps));
  app.route(
    "/v1/services",
    readRoutes({
      ...guard,
      store,
      now,
      signing: options.signing,
      blocking: options.blockingReads,
      answers: options.answers,
      changes: options.changes,
    }),
  );
  app.route(
    "/v1/changes",
    changesRoute({
      ...guard,
      store,
      now,
      signing: options.signing,
      blocking: options.blockingReads,
      log: options.changes,
    }),
  );
  app.route("/v1", crossServiceRoutes({ ...guard, store, now }));
  app.route(
    "/dns-query",
    dohRoute({
      ...guard,
      store,
      now,
      tokens: new AnyToken(tokens, options.scopedTokens),
      answers: options.answers,
      zone: { ...(options.dns ?? { zone: DEFAULT_DNS_ZONE }), ttl: EDGE_CACHE_SECONDS },
    }),
  );
  app.route(
    "/v1/admin",
    adminRoutes({
      ...guard,
      now,
      scopedTokens: options.scopedTokens,
      presign: options.presign,
      baseUrl: options.baseUrl,
    }),
  );
  // Which discovery sources run and what they found is for operators: admins only.
  app.use("/v1/discovery/*", async (c, next) => {
    authorizeAdmin(c, guard);
    await next();
  });
  app.route(
    "/v1/discovery/health",
    discoveryHealthRoute({ discovery: options.discovery ?? NO_SOURCES }),
  );

  app.notFound(() => {
    throw new ApiError(404, "not_found", "no such endpoint");
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      options.onRefusal?.(err.code, err.status);
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(err.body(), err.status);
    }
    if (err instanceof StoreUnavailableError) {
      logger.warn("store unavailable", { reason: err.message, cause: String(err.cause) });
      onEvent("store_unavailable");
      c.header("Retry-After", String(err.retryAfterSeconds));
      return c.json(new ApiError(503, "store_unavailable", err.message).body(), 503);
    }
    if (err instanceof TokensUnavailableError) {
      logger.error("cannot load the tokens", { reason: err.message });
      c.header("Retry-After", String(err.retryAfterSeconds));
      return c.json(new ApiError(503, "tokens_unavailable", err.message).body(), 503);
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own refusals (a malformed URL, say) keep their status in our error shape.
      return c.json({ error: { code: "bad_request", message: err.message } }, err.status);
    }
    logger.error("unhandled error", err);
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });

  return app;
}
