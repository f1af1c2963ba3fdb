import { createHash } from "node:crypto";
import type { Context } from "hono";
import { SIGNATURE_HEADER } from "../signing/header.js";

/** Makes the signature header's value for a body (shared/signing); undefined: not signed. */
export type BodySigner = (body: string) => string;

/**
 * How long an edge cache may keep a read. Browsers and agents revalidate every time (cheap:
 * a 304), while a shared cache keyed on Authorization and the query string absorbs a herd of
 * joining nodes for a few seconds.
 */
export const EDGE_CACHE_SECONDS = 5;
const CACHE_CONTROL = `max-age=0, s-maxage=${EDGE_CACHE_SECONDS}`;

export function strongEtag(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === "*" || t === etag);
}

/**
 * Answers a read with a strong ETag, honouring If-None-Match with a bodiless 304. With `sign`,
 * a 200 carries the body's detached signature; a 304 has no body, so nothing to sign (a cache
 * keeps the signature it stored with the body, and the ETag is unchanged by signing).
 */
export function cacheable(
  c: Context,
  body: string,
  contentType: string,
  sign?: BodySigner,
): Response {
  const etag = strongEtag(body);
  const headers: Record<string, string> = {
    ETag: etag,
    "Cache-Control": CACHE_CONTROL,
    Vary: "Authorization",
  };
  if (matches(c.req.header("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers["Content-Type"] = contentType;
  if (sign) headers[SIGNATURE_HEADER] = sign(body);
  return new Response(body, { status: 200, headers });
}

export function cacheableJson(
  c: Context,
  value: unknown,
  pretty = false,
  sign?: BodySigner,
): Response {
  const body = pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value);
  return cacheable(c, body, "application/json; charset=utf-8", sign);
}
