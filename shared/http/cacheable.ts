import type { Context } from "hono";
import type { Rendered } from "../formats/format.js";
import { SIGNATURE_HEADER } from "../signing/header.js";
import { type BodySigner, RenderedAnswer } from "./rendered-answer.js";

export { type BodySigner, strongEtag } from "./rendered-answer.js";

/**
 * How long an edge cache may keep a read. Browsers and agents revalidate every time (cheap:
 * a 304), while a shared cache keyed on Authorization and the query string absorbs a herd of
 * joining nodes for a few seconds.
 */
export const EDGE_CACHE_SECONDS = 5;
const CACHE_CONTROL = `max-age=0, s-maxage=${EDGE_CACHE_SECONDS}`;

/** Bodies smaller than this go as they are: gzip saves nothing worth the CPU on them. */
export const GZIP_MIN_BYTES = 1024;
const GZIP_SUFFIX = "-gzip";

/** Whether the client takes gzip (RFC 9110 §12.5.3), q=0 meaning it refuses it. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(",").some((part) => {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored, and so
// is the gzip suffix, since both representations carry the same identity body.
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, "").replace(`${GZIP_SUFFIX}"`, '"'))
    .some((t) => t === "*" || t === etag);
}

/**
 * Answers a read with a strong ETag, honouring If-None-Match with a bodiless 304. With a
 * signer, a 200 carries the body's detached signature; a 304 has no body, so nothing to sign
 * (a cache keeps the signature it stored with the body, and the ETag is unchanged by signing).
 *
 * A client that sends `Accept-Encoding: gzip` gets a body over 1 KiB gzipped: a 100,000-instance
 * peers.json fits a Lambda response (6 MB) only so. The ETag and the signature are both of
 * the identity body, the bytes a client has after decoding; the gzipped representation's ETag
 * carries a `-gzip` suffix (it is another representation, RFC 9110 §8.8.3), and
 * If-None-Match accepts either form. The answer's own headers (a format's) are set over these.
 *
 * Everything is taken from `answer` as made once (rendered-answer.ts): a cached answer is
 * served without hashing, gzipping or signing again.
 */
export function answerResponse(c: Context, answer: RenderedAnswer, signer?: BodySigner): Response {
  const etag = answer.etag;
  const gzip =
    answer.bytes.length >= GZIP_MIN_BYTES && acceptsGzip(c.req.header("accept-encoding"));
  const headers: Record<string, string> = {
    ETag: gzip ? `${etag.slice(0, -1)}${GZIP_SUFFIX}"` : etag,
    "Cache-Control": CACHE_CONTROL,
    Vary: "Authorization, X-Muster-Token, Accept-Encoding",
  };
  if (matches(c.req.header("if-none-match"), etag)) {
    Object.assign(headers, answer.headers);
    return new Response(null, { status: 304, headers });
  }
  headers["Content-Type"] = answer.contentType;
  if (signer) headers[SIGNATURE_HEADER] = answer.signature(signer);
  if (gzip) headers["Content-Encoding"] = "gzip";
  Object.assign(headers, answer.headers);
  return new Response(gzip ? answer.gzipped : answer.bytes, { status: 200, headers });
}

export function cacheable(
  c: Context,
  body: string,
  contentType: string,
  sign?: BodySigner,
): Response {
  return answerResponse(c, new RenderedAnswer({ body, contentType }), sign);
}

/** A format's answer (shared/formats), rendered for this response alone. */
export function cacheableRendered(c: Context, r: Rendered, sign?: BodySigner): Response {
  return answerResponse(c, new RenderedAnswer(r), sign);
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
