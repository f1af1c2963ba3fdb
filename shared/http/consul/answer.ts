import { gzipSync } from "node:zlib";
import type { Context } from "hono";
import { acceptsGzip, GZIP_MIN_BYTES } from "../cacheable.js";

/**
 * Consul's answers: JSON bodies with the index headers its clients parse (the Go client's
 * QueryMeta, py-consul's `Missing index header`), writes 200 with an empty body, errors as
 * bare text (errors.ts).
 */

/** On every answer, as Consul's agent with ACLs on. */
export function consulHeaders(c: Context): void {
  c.header("X-Consul-Default-Acl-Policy", "deny");
  // Consul's tokens travel in headers an edge cache does not key on: never cache an answer.
  c.header("Cache-Control", "no-store");
}

export type Consistency = "leader" | "stale" | "consistent";

/** `?stale` and `?consistent`, as Consul reports which it served. */
export function consistencyOf(c: Context): Consistency {
  if (c.req.query("stale") !== undefined) return "stale";
  if (c.req.query("consistent") !== undefined) return "consistent";
  return "leader";
}

/** A read: its body and the headers of a blocking query. */
export function consulRead(
  c: Context,
  body: unknown,
  meta: { index: number; filtered?: boolean },
): Response {
  consulHeaders(c);
  c.header("X-Consul-Index", String(Math.max(1, meta.index)));
  c.header("X-Consul-Knownleader", "true");
  c.header("X-Consul-Lastcontact", "0");
  c.header("X-Consul-Effective-Consistency", consistencyOf(c));
  c.header("X-Consul-Query-Backend", "blocking-query");
  if (meta.filtered) c.header("X-Consul-Results-Filtered-By-Acls", "true");
  return json(c, body);
}

/**
 * JSON, gzipped past 1 KiB for a client that takes it (Go's HTTP client asks for gzip and
 * decodes it unseen): Consul's shapes run to a kilobyte an instance, and a watcher on Lambda
 * pays for every byte out.
 */
function json(c: Context, value: unknown): Response {
  const body = JSON.stringify(value);
  c.header("Vary", "Accept-Encoding");
  if (body.length < GZIP_MIN_BYTES || !acceptsGzip(c.req.header("accept-encoding"))) {
    return c.json(value);
  }
  c.header("Content-Type", "application/json");
  c.header("Content-Encoding", "gzip");
  return c.body(gzipSync(body), 200);
}

/** A read that is not a blocking query (datacenters, self, leader): JSON alone. */
export function consulPlain(c: Context, body: unknown): Response {
  consulHeaders(c);
  return json(c, body);
}

/** A write: 200 and nothing else, as Consul's agent answers. */
export function consulWritten(c: Context): Response {
  consulHeaders(c);
  return c.body(null, 200);
}
