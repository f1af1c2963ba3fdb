import { hash, timingSafeEqual } from "node:crypto";
import type { Principal } from "../model/principal.js";

/** Tokens shorter than this are refused at configuration time: they can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** sha256 of `domain`, NUL, `token`: one-shot, as it runs for every request. */
export function digest(domain: string, token: string): Buffer {
  return hash("sha256", `${domain}\0${token}`, "buffer");
}

/**
 * A short, stable, one-way name for a token, stored with the instances it registered. Its own
 * hash domain keeps it from ever equalling the digests used for comparison.
 */
export function fingerprint(token: string): string {
  return `tok_${digest("muster-fingerprint-v1", token).toString("hex").slice(0, 16)}`;
}

/**
 * What request authentication needs from a token store: `TokenSet` is fixed at start-up, while
 * `RotatingTokens` (secret-tokens.ts) swaps its set when the secret changes. Both answer from
 * memory; `ScopedTokens` (scoped-tokens.ts) may need a table read, hence the promise.
 */
export interface TokenVerifier {
  readonly size: number;
  verify(presented: string): Principal | undefined | Promise<Principal | undefined>;
  /**
   * Called by the app before every request when present (a set loaded from a secret); throws
   * TokensUnavailableError while the tokens cannot be loaded.
   */
  refresh?(): Promise<void>;
}

/**
 * The configured bearer tokens. A presented token is hashed and compared with every stored
 * digest in constant time, so neither a match's position nor a near miss shows in timing.
 */
export class TokenSet implements TokenVerifier {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map((t) => digest("muster-token-v1", t));
  }

  get size(): number {
    return this.#digests.length;
  }

  verify(presented: string): Principal | undefined {
    const candidate = digest("muster-token-v1", presented);
    let matched = false;
    for (const d of this.#digests) {
      // No early exit: every digest is compared whatever the outcome.
      matched = timingSafeEqual(candidate, d) || matched;
    }
    return matched
      ? { fingerprint: fingerprint(presented), role: "admin", kind: "bootstrap" }
      : undefined;
  }
}
