import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { allows } from "../../auth/scopes.js";
import type { TokenVerifier } from "../../auth/tokens.js";
import type { ZoneOptions } from "../../dns/answer.js";
import { CachedResponder } from "../../dns/cached-respond.js";
import { DnsFormatError, MAX_STREAM_MESSAGE } from "../../dns/wire.js";
import type { Principal } from "../../model/principal.js";
import type { RegistryStore } from "../../store/store.js";
import type { AnswerCache } from "../answer-cache.js";
import { presentedToken, TOKEN_HEADER } from "../auth.js";
import type { AppEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { type GuardDeps, rateLimit } from "../guard.js";

export interface DohDeps extends GuardDeps {
  store: RegistryStore;
  /** Bootstrap and scoped tokens: a token widens the answer to the services it may read. */
  tokens: TokenVerifier;
  zone: Omit<ZoneOptions, "now">;
  now: () => number;
  /** Answers kept until their service changes (local mode); default: none. */
  answers?: AnswerCache | undefined;
}

const DNS_MESSAGE = "application/dns-message";

/**
 * DNS over HTTPS (RFC 8484): `GET /dns-query?dns=<base64url>` and `POST /dns-query` with an
 * `application/dns-message` body, answered from the registry like plain DNS. Without a token
 * only public services resolve; with one, also the services it may read (others are NXDOMAIN,
 * as names that do not exist).
 */
export function dohRoute(deps: DohDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const options: ZoneOptions = { ...deps.zone, now: deps.now };
  const responder = new CachedResponder(() => deps.answers);

  const principalOf = async (c: Context): Promise<Principal | undefined> => {
    const token = presentedToken(c);
    // No credential, or only the SigV4 signature IAM or CloudFront's origin access control
    // put in Authorization: the public services answer.
    const header = c.req.header("authorization");
    if (token === undefined && (header === undefined || header.startsWith("AWS4-"))) {
      return undefined;
    }
    const principal = token === undefined ? undefined : await deps.tokens.verify(token);
    if (!principal) {
      throw new ApiError(401, "unauthorized", "invalid token", undefined, {
        "WWW-Authenticate": 'Bearer realm="muster"',
      });
    }
    rateLimit(deps, principal);
    return principal;
  };

  const answer = async (c: Context, query: Buffer): Promise<Response> => {
    const principal = await principalOf(c);
    const source = {
      mayRead: (service: string) =>
        deps.publicServices.has(service) ||
        (principal !== undefined && allows(principal, "read", service)),
      list: (service: string) => deps.store.list(service, deps.now()),
    };
    let result: Awaited<ReturnType<typeof responder.respond>>;
    try {
      result = await responder.respond(query, source, options, "stream");
    } catch (err) {
      if (!(err instanceof DnsFormatError)) throw err;
      throw new ApiError(400, "invalid_dns_message", err.message, [
        { path: c.req.method === "GET" ? "dns" : "(body)", message: err.message },
      ]);
    }
    return new Response(new Uint8Array(result.message), {
      status: 200,
      headers: {
        "Content-Type": DNS_MESSAGE,
        // RFC 8484 §5.1: no longer than the smallest TTL in the answer.
        "Cache-Control": `max-age=${result.ttl}`,
        Vary: `Authorization, ${TOKEN_HEADER}`,
      },
    });
  };

  app.get("/", async (c) => {
    const dns = c.req.query("dns");
    // RFC 8484 §4.1: base64url without padding; a padded or otherwise alphabet-breaking value
    // is refused rather than guessed at.
    if (!dns || !/^[A-Za-z0-9_-]+$/.test(dns)) {
      throw new ApiError(400, "invalid_dns_message", "dns must be a base64url DNS query", [
        { path: "dns", message: "must be a base64url-encoded DNS query without padding" },
      ]);
    }
    return answer(c, Buffer.from(dns, "base64url"));
  });

  app.post(
    "/",
    async (c, next) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== DNS_MESSAGE) {
        throw new ApiError(415, "unsupported_media_type", `Content-Type must be ${DNS_MESSAGE}`);
      }
      await next();
    },
    bodyLimit({
      maxSize: MAX_STREAM_MESSAGE,
      onError: () => {
        throw new ApiError(413, "payload_too_large", "a DNS message is at most 65535 bytes");
      },
    }),
    async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer());
      if (body.length > MAX_STREAM_MESSAGE) {
        throw new ApiError(413, "payload_too_large", "a DNS message is at most 65535 bytes");
      }
      return answer(c, body);
    },
  );

  return app;
}
