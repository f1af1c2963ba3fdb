import type { Context } from "hono";
import { type Action, allows } from "../auth/scopes.js";
import type { Principal } from "../model/principal.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import type { TokenBuckets } from "./rate-limit.js";

/** What the per-route checks need: the public services and the per-token rate limit. */
export interface GuardDeps {
  publicServices: ReadonlySet<string>;
  /** Undefined: no rate limit. */
  buckets: TokenBuckets | undefined;
}

/**
 * May this request do `action` on `service`? Called by each route after it has validated its
 * input, so a request that is both invalid and out of scope is told it is invalid (400 before
 * 403), then the per-token rate limit (429). Returns the principal (undefined only for an
 * anonymous read of a public service). `publicByDefault: false`: a format that a public
 * service does not make public (shared/formats/format.ts).
 */
export function authorize(
  c: Context<AppEnv>,
  deps: GuardDeps,
  action: Action,
  service: string,
  options: { publicByDefault?: boolean } = {},
): Principal | undefined {
  const principal = c.get("principal");
  const publicRead =
    action === "read" && (options.publicByDefault ?? true) && deps.publicServices.has(service);
  if (!principal) {
    if (publicRead) return undefined;
    throw new ApiError(401, "unauthorized", "missing bearer token");
  }
  if (!publicRead && !allows(principal, action, service)) {
    const what =
      action === "write" && principal.role === "read"
        ? `this token may only read; it cannot write service ${service}`
        : `this token is not allowed to ${action} service ${service}`;
    throw new ApiError(403, "forbidden", what);
  }
  rateLimit(deps, principal);
  return principal;
}

/** Admin endpoints: an admin token (bootstrap or scoped), then the rate limit. */
export function authorizeAdmin(c: Context<AppEnv>, deps: GuardDeps): Principal {
  const principal = c.get("principal");
  if (!principal) throw new ApiError(401, "unauthorized", "missing bearer token");
  if (principal.role !== "admin") {
    throw new ApiError(403, "forbidden", "this endpoint needs an admin token");
  }
  rateLimit(deps, principal);
  return principal;
}

/** 429 `rate_limited` with Retry-After once a token has spent its bucket in this process. */
export function rateLimit(deps: GuardDeps, principal: Principal): void {
  const taken = deps.buckets?.take(principal.fingerprint);
  if (taken && !taken.ok) {
    throw new ApiError(
      429,
      "rate_limited",
      `too many requests with this token; retry in ${taken.retryAfterSeconds}s`,
      undefined,
      { "Retry-After": String(taken.retryAfterSeconds) },
    );
  }
}
