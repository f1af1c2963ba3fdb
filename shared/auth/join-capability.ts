import { createHmac, timingSafeEqual } from "node:crypto";
import { KEY_ID, type PresignKeys } from "./presign.js";

/**
 * Join URLs for `blixard node --join-address URL`. Blixard GETs `URL` when it ends in
 * `/bootstrap`, else `URL` (trailing `/` trimmed) plus `/bootstrap`, with no Authorization
 * header; a query-string signature would end up before the appended `/bootstrap` and break.
 * So the credential is a path segment:
 *
 *   /v1/services/{service}/join/{expires}.{kid}.{sig}[/bootstrap]
 *
 * Both forms read the service's bootstrap node and nothing else. The MAC (HMAC-SHA256 with a
 * presign key) covers the service, the expiry and the key id: the URL stops working at its
 * expiry or as soon as its key id leaves the presign key set (rotation), like a presigned URL.
 */
export const JOIN_PATH = /^\/v1\/services\/([^/]+)\/join\/([^/]+)(?:\/bootstrap)?$/;

function mac(key: Buffer, service: string, expires: number, kid: string): Buffer {
  return createHmac("sha256", key)
    .update(`muster-join-v1\n${service}\n${expires}\n${kid}`)
    .digest();
}

/** The path of a join URL for `service`, valid until `expiresAt` (epoch seconds). */
export function joinCapabilityPath(keys: PresignKeys, service: string, expiresAt: number): string {
  const signer = keys.signing();
  if (!signer) throw new Error("no presign key is configured");
  const sig = mac(signer.key, service, expiresAt, signer.kid).toString("base64url");
  return `/v1/services/${service}/join/${expiresAt}.${signer.kid}.${sig}`;
}

export type JoinCheck =
  | { ok: true; service: string; fingerprint: string }
  | { ok: false; code: "bad_signature" | "url_expired"; message: string }
  /** A path that is not even well-formed: a 400 naming `field`. */
  | { ok: false; code: "invalid_input"; field: string; message: string };

/**
 * Checks a request on a join path (undefined: not a join path, so not this check's to
 * answer). Signature before expiry, so `url_expired` is only said of a URL we really made.
 */
export function checkJoinCapability(input: {
  keys: PresignKeys | undefined;
  method: string;
  path: string;
  nowMs: number;
}): JoinCheck | undefined {
  const m = JOIN_PATH.exec(input.path);
  if (!m) return undefined;
  const bad = (message: string): JoinCheck => ({ ok: false, code: "bad_signature", message });
  let service: string;
  try {
    service = decodeURIComponent(m[1] ?? "");
  } catch {
    return {
      ok: false,
      code: "invalid_input",
      field: "service",
      message: "is not valid percent-encoding (UTF-8)",
    };
  }
  const [expires, kid, sig, ...rest] = (m[2] ?? "").split(".");
  if (!input.keys) return bad("join URLs are not enabled on this registry");
  if (input.method !== "GET" && input.method !== "HEAD") return bad("a join URL only reads");
  if (rest.length > 0 || !expires || !/^\d{1,12}$/.test(expires)) {
    return bad("the join capability is malformed");
  }
  if (!kid || !KEY_ID.test(kid)) return bad("the join capability's key id is malformed");
  if (!sig || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return bad("the join capability is malformed");
  const key = input.keys.get(kid);
  // An unknown kid (rotated away) is the same answer as a wrong signature.
  if (!key) return bad("the signature does not match");
  if (!timingSafeEqual(mac(key, service, Number(expires), kid), Buffer.from(sig, "base64url"))) {
    return bad("the signature does not match");
  }
  if (Number(expires) * 1000 <= input.nowMs) {
    return { ok: false, code: "url_expired", message: "this join URL has expired" };
  }
  // Names the URL (not a secret: it is in the URL) for per-URL rate limiting.
  return { ok: true, service, fingerprint: `join:${sig.slice(0, 22)}` };
}
