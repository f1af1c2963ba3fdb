import { Reloading, type ReloadingOptions } from "../secrets/reloading.js";
import { SigningKeys } from "./keys.js";

/**
 * Where the app gets its signing keys. Asked on every signed read (never on a write): a
 * fixed set answers at once, a reloading one from memory until its copy is stale.
 */
export interface SigningSource {
  /** Throws SigningUnavailableError when there is no key set to sign with. */
  keys(): Promise<SigningKeys>;
}

export class SigningUnavailableError extends Error {
  override readonly name = "SigningUnavailableError";
  readonly retryAfterSeconds = 5;
}

export function fixedSigning(keys: SigningKeys): SigningSource {
  const ready = Promise.resolve(keys);
  return { keys: () => ready };
}

export type ReloadingSigningOptions = Omit<ReloadingOptions<SigningKeys>, "what" | "parse">;

/**
 * A key set reloaded as any secret-backed set is (Reloading: a failed load keeps the last good
 * set, so a Secrets Manager hiccup must not unsign the registry, and is retried a few seconds
 * later). While no set has ever loaded, reads get SigningUnavailableError, answered 503.
 */
export class ReloadingSigning implements SigningSource {
  readonly #keys: Reloading<SigningKeys>;

  constructor(options: ReloadingSigningOptions) {
    this.#keys = new Reloading({
      ...options,
      what: "the signing keys",
      parse: (text) => SigningKeys.parse(text),
    });
  }

  async keys(): Promise<SigningKeys> {
    const keys = await this.#keys.get();
    if (!keys) throw new SigningUnavailableError("the registry cannot load its signing keys");
    return keys;
  }
}
