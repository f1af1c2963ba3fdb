import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";

/**
 * Detached Ed25519 signatures over the exact bytes of a body. Pure node:crypto, no AWS SDK:
 * the registry signs with it and the agent verifies with it.
 */

/** The DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SEED_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A public key as the well-known document lists it (a JWK, RFC 8037). */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  /** The 32-byte public key, base64url. */
  x: string;
}

/** The private key whose 32-byte seed is `seed` (how the key set stores it). */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== SEED_BYTES) throw new TypeError(`an Ed25519 seed is ${SEED_BYTES} bytes`);
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
}

export function publicJwk(key: KeyObject): PublicJwk {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new TypeError("not an Ed25519 key");
  }
  return { kty: "OKP", crv: "Ed25519", x: jwk.x };
}

/** A public key from its JWK `x`; throws on anything that is not a 32-byte Ed25519 key. */
export function publicKeyFromX(x: string): KeyObject {
  if (!BASE64URL.test(x) || Buffer.from(x, "base64url").length !== SEED_BYTES) {
    throw new TypeError("x is not a base64url 32-byte Ed25519 public key");
  }
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
}

/**
 * The key id: the RFC 7638 JWK thumbprint of the public key, so that it is derived, never
 * chosen, and a verifier can recompute it from the key it was given.
 */
export function keyId(jwk: PublicJwk): string {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`;
  return createHash("sha256").update(canonical).digest("base64url");
}

/** The detached signature of `body` (the exact bytes served; a string is read as UTF-8). */
export function signBody(body: string | Uint8Array, key: KeyObject): string {
  return sign(null, typeof body === "string" ? Buffer.from(body, "utf8") : body, key).toString(
    "base64url",
  );
}

/** True only for a well-formed signature of exactly these bytes by this key. */
export function verifyBody(body: string | Uint8Array, signature: string, key: KeyObject): boolean {
  if (!BASE64URL.test(signature)) return false;
  const bytes = Buffer.from(signature, "base64url");
  // Ed25519 signatures are 64 bytes; anything else cannot verify, and is refused before use.
  if (bytes.length !== 64) return false;
  try {
    return verify(null, typeof body === "string" ? Buffer.from(body, "utf8") : body, key, bytes);
  } catch {
    return false;
  }
}
