import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { TokensUnavailableError } from "../../auth/secret-tokens.js";
import { ConsulError } from "../../consul/errors.js";
import { StoreUnavailableError } from "../../store/store.js";
import type { AppEnv } from "../env.js";
import { consulHeaders } from "./answer.js";
import type { ConsulDeps } from "./options.js";
import { consulReads } from "./reads.js";
import { consulWrites } from "./writes.js";

/** The prefixes of Consul's API muster answers under `/v1`; muster's own routes use none. */
export const CONSUL_PREFIXES = ["/v1/agent", "/v1/health", "/v1/catalog", "/v1/status"] as const;

/** Each endpoint and the methods it takes, for Consul's 405 with `Allow`. */
const METHODS: [RegExp, string][] = [
  [
    /^\/v1\/agent\/(service\/(register|deregister\/.+)|check\/(update|pass|warn|fail)\/.+)$/,
    "OPTIONS,PUT",
  ],
  [
    /^\/v1\/(health\/service\/[^/]+|catalog\/(services|service\/[^/]+|datacenters)|agent\/self|status\/leader)$/,
    "OPTIONS,GET",
  ],
];

/**
 * Consul's HTTP API (docs/consul.md) as a sub-app mounted at `/v1` (CONSUL_PREFIXES), ahead of muster's own
 * authentication: Consul's clients carry their token their way, and get Consul's answers —
 * its shapes, its status codes, its errors as text.
 */
export function consulRoutes(deps: ConsulDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route("/", consulWrites(deps));
  app.route("/", consulReads(deps));

  // Anything else under Consul's prefixes (never muster's own paths, which share `/v1`).
  const unknown = (c: Context<AppEnv>) => {
    const path = new URL(c.req.url).pathname;
    const known = METHODS.find(([pattern]) => pattern.test(path));
    if (known) {
      if (c.req.method === "OPTIONS") {
        consulHeaders(c);
        c.header("Allow", known[1]);
        return c.body(null, 200);
      }
      throw new ConsulError(405, `method ${c.req.method} not allowed`, { Allow: known[1] });
    }
    throw new ConsulError(404, `muster does not serve ${path} (its Consul subset: docs/consul.md)`);
  };
  for (const prefix of CONSUL_PREFIXES) app.all(`${prefix.slice("/v1".length)}/*`, unknown);

  app.onError((err, c) => {
    consulHeaders(c);
    if (err instanceof ConsulError) {
      deps.onRefusal?.("consul", err.status);
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.text(err.message, err.status);
    }
    if (err instanceof StoreUnavailableError || err instanceof TokensUnavailableError) {
      deps.logger.warn("consul api: store or tokens unavailable", { reason: err.message });
      c.header("Retry-After", String(err.retryAfterSeconds));
      return c.text(err.message, 503);
    }
    if (err instanceof HTTPException && err.status < 500) return c.text(err.message, err.status);
    deps.logger.error("unhandled error", err);
    return c.text("internal error", 500);
  });
  return app;
}
