import type { Context, MiddlewareHandler } from "hono";
import { type IamRoleMap, iamPrincipal } from "../auth/iam-roles.js";
import { checkJoinCapability, JOIN_PATH } from "../auth/join-capability.js";
import { checkPresigned, type PresignKeys } from "../auth/presign.js";
import type { TokenVerifier } from "../auth/tokens.js";
import { formatAt } from "../formats/registry.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import type { CallerOf } from "./iam-caller.js";

export interface AuthOptions {
  /** Bootstrap tokens, then scoped tokens (AnyToken in shared/auth/scoped-tokens.ts). */
  tokens: TokenVerifier;
  /** Services whose reads need no token. Writes always need one. */
  publicServices: ReadonlySet<string>;
  /** Undefined: presigned URLs are refused (bad_signature). */
  presign: PresignKeys | undefined;
  now: () => number;
  /**
   * Lambda behind an AWS_IAM function URL: the roles whose signed requests are principals of
   * their own, and how to read the signed caller off a request. Default: none (tokens only).
   */
  iam?: { roles: IamRoleMap; callerOf: CallerOf };
}

const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="muster"' };

/**
 * Whether a path may be read without a token: a format that is public by default
 * (shared/formats/registry.ts) of a public service; or, once some service is public, a list
 * that then shows only those (the services list, and the formats across services).
 */
function isPublicRead(path: string, publicServices: ReadonlySet<string>): boolean {
  if (publicServices.size === 0) return false;
  if (SERVICES_LIST.test(path)) return true;
  const at = formatAt(path);
  if (!at?.format.publicByDefault) return false;
  return at.service === undefined || publicServices.has(at.service);
}

const SERVICES_LIST = /^\/v1\/services\/?$/;

export function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * The header a token also travels in. Through CloudFront with origin access control the
 * Authorization header is CloudFront's own SigV4 signature (OAC overwrites the viewer's), so
 * a client there sends its token in this one; the edge cache keys on it (docs/security.md).
 */
export const TOKEN_HEADER = "X-Muster-Token";

/** `Authorization: Bearer <token>` when the request has one, else `X-Muster-Token: <token>`. */
export function presentedToken(c: Context): string | undefined {
  const fromBearer = bearer(c.req.header("authorization"));
  if (fromBearer !== undefined) return fromBearer;
  const header = c.req.header(TOKEN_HEADER)?.trim();
  return header && /^[^\s]+$/.test(header) ? header : undefined;
}

/**
 * Who is asking, for every /v1 request: a presigned URL (checked first, and alone: a URL
 * that carries a signature stands or falls by it), else an IAM role the stack maps (a node
 * that signed with SigV4), else a bearer token. 401 without any,
 * except for reads of public services. What the principal may do is decided per route
 * (guard.ts), after the request is validated, so that refusals keep their order: 401, 415, 413, 400, 403 (docs/design.md).
 */
export function requireToken(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const { tokens, publicServices, presign } = options;
  return async (c, next) => {
    // Keys kept in a secret are loaded by the requests that use them, never by a heartbeat.
    if (presign?.refresh && (c.req.query("sig") !== undefined || JOIN_PATH.test(c.req.path))) {
      await presign.refresh();
    }
    // A join URL carries its credential in the path; like a presigned URL it stands alone.
    const join = checkJoinCapability({
      keys: presign,
      method: c.req.method,
      path: c.req.path,
      nowMs: options.now(),
    });
    if (join !== undefined) {
      if (!join.ok) {
        if (join.code === "invalid_input") {
          throw new ApiError(400, join.code, `invalid ${join.field}`, [
            { path: join.field, message: join.message },
          ]);
        }
        throw new ApiError(join.code === "url_expired" ? 403 : 401, join.code, join.message);
      }
      c.set("principal", {
        fingerprint: join.fingerprint,
        role: "read",
        services: [join.service],
        kind: "presigned",
      });
      await next();
      return;
    }

    const sig = c.req.query("sig");
    if (sig !== undefined) {
      const check = presign
        ? checkPresigned({
            keys: presign,
            method: c.req.method,
            path: c.req.path,
            query: { expires: c.req.query("expires"), kid: c.req.query("kid"), sig },
            nowMs: options.now(),
          })
        : ({
            ok: false,
            code: "bad_signature",
            message: "presigned URLs are not enabled on this registry",
          } as const);
      if (!check.ok) {
        // Expired: the signature was genuine, the grant is over (403). Bad: not ours (401).
        throw new ApiError(check.code === "url_expired" ? 403 : 401, check.code, check.message);
      }
      c.set("principal", {
        // Names the URL (not a secret: it is in the URL) for per-URL rate limiting.
        fingerprint: `presign:${sig.slice(0, 22)}`,
        role: "read",
        services: [check.service],
        kind: "presigned",
      });
      await next();
      return;
    }

    // A node signing with a role the stack maps is that role's principal: no token to check.
    const signed = options.iam?.callerOf(c);
    const iam =
      signed && options.iam
        ? iamPrincipal(signed.caller, options.iam.roles, signed.functionAccount)
        : undefined;
    if (iam) {
      c.set("principal", iam);
      await next();
      return;
    }

    const token = presentedToken(c);
    const principal = token === undefined ? undefined : await tokens.verify(token);
    if (!principal) {
      const isRead = c.req.method === "GET" || c.req.method === "HEAD";
      if (!(isRead && isPublicRead(c.req.path, publicServices))) {
        const message =
          // No bootstrap token: nobody can administer the registry, so say so (a scoped admin
          // token made earlier would still be accepted above).
          tokens.size === 0
            ? "no token is configured on this registry, so every request is refused"
            : token === undefined
              ? `missing bearer token (Authorization: Bearer <token>, or ${TOKEN_HEADER}: <token> through CloudFront)`
              : "invalid token";
        throw new ApiError(401, "unauthorized", message, undefined, WWW_AUTHENTICATE);
      }
    }
    c.set("principal", principal);
    await next();
  };
}
