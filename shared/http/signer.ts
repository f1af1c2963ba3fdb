import { type SigningSource, SigningUnavailableError } from "../signing/source.js";
import type { BodySigner } from "./cacheable.js";
import { ApiError } from "./errors.js";

/**
 * The signer of a read's 200, asked after the store answered so that a 4xx never waits on
 * the key set; 503 `signing_unavailable` when the keys cannot be had (as routes/reads.ts).
 */
export function signerOf(signing: SigningSource | undefined) {
  return async (): Promise<BodySigner | undefined> => {
    if (!signing) return undefined;
    try {
      const keys = await signing.keys();
      return { keyId: keys.activeKeyId, sign: (body) => keys.signatureHeader(body) };
    } catch (err) {
      if (!(err instanceof SigningUnavailableError)) throw err;
      // Unsigned would be refused by every verifying node anyway; say why, and when to retry.
      throw new ApiError(503, "signing_unavailable", err.message, undefined, {
        "Retry-After": String(err.retryAfterSeconds),
      });
    }
  };
}
