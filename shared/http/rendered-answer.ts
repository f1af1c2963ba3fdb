import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Rendered } from "../formats/format.js";

/** Makes the signature header's value for a body (shared/signing), under one key. */
export interface BodySigner {
  /** The signing key's id: a signature made under it stays valid for the same bytes. */
  keyId: string;
  sign(body: Uint8Array): string;
}

export function strongEtag(body: string | Uint8Array): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
}

/**
 * One rendering of a read and everything a response of it needs, each made at most once: the
 * UTF-8 bytes and their ETag at once, the gzipped bytes and the signature when a response
 * first asks for them. Kept by the answer cache (answer-cache.ts), it is shared by every
 * reader of the same file until the service changes: a peers.json of 1,000 Blixard nodes is
 * rendered, hashed, gzipped and signed once, not per request.
 */
export class RenderedAnswer {
  readonly bytes: Buffer;
  readonly contentType: string;
  /** Sent outside the ETag and the signature, which cover the body. */
  readonly headers: Readonly<Record<string, string>>;
  readonly etag: string;
  /** Epoch ms of the soonest lease end among what was rendered: an expiry changes it too. */
  readonly nextExpiryMs: number | undefined;
  #gzipped: Buffer | undefined;
  #signature: { keyId: string; value: string } | undefined;

  constructor(rendered: Rendered, nextExpiryMs?: number) {
    this.bytes = Buffer.from(rendered.body, "utf8");
    this.contentType = rendered.contentType;
    this.headers = rendered.headers ?? {};
    this.etag = strongEtag(this.bytes);
    this.nextExpiryMs = nextExpiryMs;
  }

  get gzipped(): Buffer {
    this.#gzipped ??= gzipSync(this.bytes);
    return this.#gzipped;
  }

  /** The signature header's value under the signer's key (the last key's kept). */
  signature(signer: BodySigner): string {
    if (this.#signature?.keyId !== signer.keyId) {
      this.#signature = { keyId: signer.keyId, value: signer.sign(this.bytes) };
    }
    return this.#signature.value;
  }

  /** About what keeping it costs, for the cache's bound. */
  get size(): number {
    return this.bytes.length + (this.#gzipped?.length ?? 0) + 256;
  }
}
