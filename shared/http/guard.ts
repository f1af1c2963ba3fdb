import type { Context } from "hono";
import { instanceAllowed } from "../auth/iam-roles.js";
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
    const who = callerNoun(principal);
    const what =
      action === "write" && principal.role === "read"
        ? `${who} may only read; it cannot write service ${service}`
        : `${who} is not allowed to ${action} service ${service}`;
    throw new ApiError(403, "forbidden", what);
  }
  rateLimit(deps, principal);
  return principal;
}

/** How a refusal names the caller: a token, or the IAM role a node signed with. */
export function callerNoun(principal: Principal): string {
  return principal.kind === "iam" ? "this IAM role" : "this token";
}

/**
 * A principal bound to its role session (an EC2 instance's role) writes its own instance
 * only: 403 for any other id, after the request was validated and scoped.
 */
export function authorizeInstance(principal: Principal, id: string): void {
  if (!instanceAllowed(principal, id)) {
    throw new ApiError(
      403,
      "forbidden",
      `this IAM role session may only write instance ${principal.instance} (or ${principal.instance}:…), not ${id}`,
    );
  }
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
      `too many requests with ${callerNoun(principal)}; retry in ${taken.retryAfterSeconds}s`,
      undefined,
      { "Retry-After": String(taken.retryAfterSeconds) },
    );
  }
}
