import type { KeyObject } from "node:crypto";
import * as z from "../validation/zod.js";
import { parseSignatureHeader, SIGNATURE_ALG } from "./header.js";
import { keyId, publicKeyFromX, verifyBody } from "./signature.js";

/**
 * The verifier's side: which keys it trusts (from a muster-keys.json it was given) and
 * whether a body's signature header is good. Pure: the agent bundles it.
 */
const publishedKey = z.object({
  kid: z.string().check(z.minLength(1), z.maxLength(128)),
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string().check(z.minLength(1), z.maxLength(128)),
  not_after: z.optional(z.iso.datetime({ offset: true })),
});
// Other members (use, alg, status) are informative; keys of other types are skipped, not
// refused, so that a document listing a future algorithm still works for Ed25519.
const keysDocument = z.object({ keys: z.array(z.unknown()).check(z.maxLength(64)) });

interface Trusted {
  key: KeyObject;
  notAfterMs: number | undefined;
}

export class TrustedKeys {
  readonly #byKid: Map<string, Trusted>;

  private constructor(byKid: Map<string, Trusted>) {
    this.#byKid = byKid;
  }

  get size(): number {
    return this.#byKid.size;
  }

  /**
   * The Ed25519 keys of one or more muster-keys.json documents. A kid that is not the key's
   * own thumbprint is refused: a document cannot make one key answer to another's name.
   */
  static fromDocuments(texts: readonly string[]): TrustedKeys {
    const byKid = new Map<string, Trusted>();
    for (const text of texts) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new TypeError("the keys document is not JSON");
      }
      const doc = keysDocument.safeParse(json);
      if (!doc.success) throw new TypeError("the keys document has no keys array");
      for (const entry of doc.data.keys) {
        const k = publishedKey.safeParse(entry);
        if (!k.success) continue;
        const key = publicKeyFromX(k.data.x);
        if (keyId({ kty: "OKP", crv: "Ed25519", x: k.data.x }) !== k.data.kid) {
          throw new TypeError(`key ${k.data.kid}: kid is not the key's thumbprint`);
        }
        const notAfterMs =
          k.data.not_after === undefined ? undefined : Date.parse(k.data.not_after);
        byKid.set(k.data.kid, { key, notAfterMs });
      }
    }
    if (byKid.size === 0) throw new TypeError("the keys document lists no Ed25519 key");
    return new TrustedKeys(byKid);
  }

  /** Why a body cannot be trusted, or undefined when its signature is good. */
  check(body: string | Uint8Array, header: string | null | undefined, nowMs: number) {
    if (header === null || header === undefined || header === "") return "it is not signed";
    const params = parseSignatureHeader(header);
    if (!params) return "its signature header is malformed";
    if (params.alg !== SIGNATURE_ALG) return `its signature algorithm ${params.alg} is not known`;
    const trusted = this.#byKid.get(params.keyid);
    if (!trusted) return `it is signed by key ${params.keyid}, which is not trusted`;
    if (trusted.notAfterMs !== undefined && trusted.notAfterMs <= nowMs) {
      return `it is signed by key ${params.keyid}, whose grace period has ended`;
    }
    if (!verifyBody(body, params.sig, trusted.key)) return "its signature does not match its body";
    return undefined;
  }
}
