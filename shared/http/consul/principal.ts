import type { Context } from "hono";
import { allows } from "../../auth/scopes.js";
import { aclNotFound, ConsulError } from "../../consul/errors.js";
import { consulToken } from "../../consul/query-params.js";
import type { Principal } from "../../model/principal.js";
import type { ConsulDeps } from "./options.js";

/**
 * Who asks, from the token where Consul looks for it (`?token=`, `X-Consul-Token`,
 * `Authorization: Bearer`), carrying a muster token. None: the anonymous caller, who reads
 * public services only and writes nothing (what a Consul with `default_policy = deny` does);
 * one muster does not know: Consul's 403 `ACL not found`, reads and writes alike. Then the
 * per-token rate limit, as on muster's own routes.
 */
export async function consulPrincipal(
  c: Context,
  deps: Pick<ConsulDeps, "tokens" | "buckets">,
): Promise<Principal | undefined> {
  const token = consulToken(new URL(c.req.url).searchParams, (name) => c.req.header(name));
  if (token === undefined) return undefined;
  const principal = await deps.tokens.verify(token);
  if (!principal) throw aclNotFound();
  const taken = deps.buckets?.take(principal.fingerprint);
  if (taken && !taken.ok) {
    throw new ConsulError(
      429,
      `Too Many Requests: this token's rate limit is spent; retry in ${taken.retryAfterSeconds}s`,
      { "Retry-After": String(taken.retryAfterSeconds) },
    );
  }
  return principal;
}

/** Whether the caller may see a service's instances; the others are filtered out, not refused. */
export function mayRead(
  deps: Pick<ConsulDeps, "publicServices">,
  principal: Principal | undefined,
  service: string,
): boolean {
  return (
    deps.publicServices.has(service) ||
    (principal !== undefined && allows(principal, "read", service))
  );
}
