import { createHmac, timingSafeEqual } from "node:crypto";
import { formatAt } from "../formats/registry.js";
import * as z from "../validation/zod.js";

/**
 * Presigned join URLs: `?expires=<epoch s>&kid=<key id>&sig=<base64url HMAC-SHA256>` on a read
 * a joining node makes, so that the URL alone can be handed to a node (or its agent) that cannot
 * send an Authorization header. The MAC covers the method, the path, the expiry and the key
 * id; it stops working at its expiry, or as soon as its key id leaves the key set (rotation).
 * Other query parameters (`status`, `tag`) are not covered: they only filter within the one
 * signed resource.
 */

/** Key ids are short and URL-safe; keys long enough that an HMAC over them cannot be guessed. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_KEY_LENGTH = 32;

export const presignKeySet = z
  .record(
    z.string().check(z.regex(KEY_ID, "key ids must be 1-32 chars of A-Z a-z 0-9 _ -")),
    z
      .string()
      .check(z.minLength(MIN_KEY_LENGTH, `each key must be at least ${MIN_KEY_LENGTH} characters`)),
  )
  .check(z.refine((keys) => Object.keys(keys).length > 0, "at least one key is needed"));

/**
 * The keys presigned URLs are made and checked with. URLs are signed with the last key of the
 * set (the newest, by convention: rotate by adding a key at the end, then removing the old one
 * once its URLs may die) and checked with whichever key their `kid` names.
 */
export interface PresignKeys {
  get(kid: string): Buffer | undefined;
  signing(): { kid: string; key: Buffer } | undefined;
  /** Called before the keys are used, when present (a set loaded from a secret). */
  refresh?(): Promise<void>;
}

export class StaticPresignKeys implements PresignKeys {
  readonly #keys: Map<string, Buffer>;

  constructor(keys: Record<string, string>) {
    this.#keys = new Map(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v, "utf8")]));
  }

  get(kid: string): Buffer | undefined {
    return this.#keys.get(kid);
  }

  signing(): { kid: string; key: Buffer } | undefined {
    const last = [...this.#keys].at(-1);
    return last ? { kid: last[0], key: last[1] } : undefined;
  }
}

/**
 * The service a path reads when it may be presigned: a format the registry presigns with a
 * query (shared/formats/registry.ts). Undefined for any other path.
 */
export function presignedService(path: string): string | undefined {
  const at = formatAt(path);
  return at?.format.presign === "query" ? at.service : undefined;
}

function mac(key: Buffer, path: string, expires: number, kid: string): Buffer {
  // HEAD is GET without a body, so both are signed as GET; nothing else can be presigned.
  return createHmac("sha256", key)
    .update(`muster-presign-v1\nGET\n${path}\n${expires}\n${kid}`)
    .digest();
}

/**
 * Where joining nodes reach the registry, as given to the minting endpoint (`base_url`) or in
 * MUSTER_BASE_URL: an http(s) URL the signed path is appended to. A query, a fragment or
 * credentials would end up in front of the path (a URL that never reaches the file) or in
 * every copy of the URL, so they are refused rather than mangled. A path prefix is kept, for a
 * proxy that strips it before the registry.
 */
export const baseUrl = z
  .url({ protocol: /^https?$/, message: "must be an http or https URL" })
  .check(
    z.refine((v) => !v.includes("?") && !v.includes("#"), "must have no query (?) or fragment (#)"),
    z.refine((v) => {
      const u = URL.parse(v);
      return u !== null && u.username === "" && u.password === "";
    }, "must not carry credentials"),
  );

export interface PresignInput {
  keys: PresignKeys;
  /** Where the registry is reached, e.g. `https://d123.cloudfront.net` (no trailing slash). */
  baseUrl: string;
  path: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export function presignUrl({ keys, baseUrl, path, expiresAt }: PresignInput): string {
  const signer = keys.signing();
  if (!signer) throw new Error("no presign key is configured");
  const sig = mac(signer.key, path, expiresAt, signer.kid).toString("base64url");
  const query = new URLSearchParams({ expires: String(expiresAt), kid: signer.kid, sig });
  return `${baseUrl.replace(/\/+$/, "")}${path}?${query}`;
}

export type PresignCheck =
  | { ok: true; service: string }
  | { ok: false; code: "bad_signature" | "url_expired"; message: string };

/**
 * Checks a presigned request. The signature is checked before the expiry, so that `url_expired`
 * is only ever said of a URL this registry really signed.
 */
export function checkPresigned(input: {
  keys: PresignKeys;
  method: string;
  path: string;
  query: { expires?: string; kid?: string; sig?: string };
  nowMs: number;
}): PresignCheck {
  const bad = (message: string): PresignCheck => ({ ok: false, code: "bad_signature", message });
  const { expires, kid, sig } = input.query;
  if (input.method !== "GET" && input.method !== "HEAD") return bad("only reads can be presigned");
  const service = presignedService(input.path);
  if (service === undefined) return bad("this path cannot be presigned");
  if (!expires || !/^\d{1,12}$/.test(expires)) return bad("expires must be epoch seconds");
  if (!kid || !KEY_ID.test(kid)) return bad("kid is missing or malformed");
  if (!sig || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return bad("sig is missing or malformed");
  const key = input.keys.get(kid);
  // An unknown kid (rotated away) is the same answer as a wrong signature.
  if (!key) return bad("the signature does not match");
  // Compared as text, not as decoded bytes: 43 base64url characters carry 258 bits, and a
  // decoder ignores the last 2, so four spellings would decode to the same MAC. Only the
  // canonical one is this registry's signature. Both sides are 43 ASCII bytes.
  const expected = Buffer.from(mac(key, input.path, Number(expires), kid).toString("base64url"));
  if (!timingSafeEqual(expected, Buffer.from(sig))) {
    return bad("the signature does not match");
  }
  if (Number(expires) * 1000 <= input.nowMs) {
    return { ok: false, code: "url_expired", message: "this presigned URL has expired" };
  }
  return { ok: true, service };
}
