import type { MiddlewareHandler } from "hono";
import type { TokenVerifier } from "../auth/tokens.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";

export interface AuthOptions {
  tokens: TokenVerifier;
  /** Services whose reads need no token. Writes always need one. */
  publicServices: ReadonlySet<string>;
}

const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="muster"' };

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** 401 for every /v1 request without a valid bearer token, except reads of public services. */
export function requireToken({ tokens, publicServices }: AuthOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    const principal = token === undefined ? undefined : tokens.verify(token);
    if (!principal) {
      const service = /^\/v1\/services\/([^/]+)\//.exec(c.req.path)?.[1];
      const isRead = c.req.method === "GET" || c.req.method === "HEAD";
      if (!(isRead && service !== undefined && publicServices.has(service))) {
        const message =
          tokens.size === 0
            ? "no token is configured on this registry, so every request is refused"
            : token === undefined
              ? "missing bearer token"
              : "invalid token";
        throw new ApiError(401, "unauthorized", message, undefined, WWW_AUTHENTICATE);
      }
    }
    c.set("principal", principal);
    await next();
  };
}
