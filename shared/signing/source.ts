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

export interface ReloadingSigningOptions {
  /** The stored key set's text: the secret's string, or the data folder's file. */
  load: () => Promise<string>;
  /** How long a rotation takes to reach a running registry. Default 300,000 (five minutes). */
  maxAgeMs?: number;
  now?: () => number;
  /** Told about failed reloads; never given key material. */
  warn?: (message: string, detail?: Record<string, unknown>) => void;
}

/**
 * A key set reloaded when older than `maxAgeMs`, as RotatingTokens reloads tokens: a failed
 * reload keeps the last good set (a Secrets Manager hiccup must not unsign the registry) and
 * is retried a few seconds later; a failed first load is SigningUnavailableError, which reads
 * answer 503. Concurrent callers share one load.
 */
export class ReloadingSigning implements SigningSource {
  readonly #load: () => Promise<string>;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #warn: NonNullable<ReloadingSigningOptions["warn"]>;
  #keys: SigningKeys | undefined;
  #loadedAt = 0;
  #pending: Promise<void> | undefined;
  /** When a first load last failed: reads within 5 s answer 503 without asking again. */
  #failedAt = Number.NEGATIVE_INFINITY;

  constructor(options: ReloadingSigningOptions) {
    this.#load = options.load;
    this.#maxAgeMs = options.maxAgeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? (() => {});
  }

  async keys(): Promise<SigningKeys> {
    const stale = !this.#keys || this.#now() - this.#loadedAt >= this.#maxAgeMs;
    if (stale && (this.#keys || this.#now() - this.#failedAt >= 5_000)) {
      this.#pending ??= this.#reload().finally(() => {
        this.#pending = undefined;
      });
      await this.#pending;
    }
    if (!this.#keys) throw new SigningUnavailableError("the registry cannot load its signing keys");
    return this.#keys;
  }

  async #reload(): Promise<void> {
    try {
      this.#keys = SigningKeys.parse(await this.#load());
      this.#loadedAt = this.#now();
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (this.#keys) {
        this.#warn("reloading the signing keys failed; keeping the previous set", { reason });
        this.#loadedAt = this.#now() - this.#maxAgeMs + 5_000;
      } else {
        this.#failedAt = this.#now();
        this.#warn("cannot load the signing keys", { reason });
      }
    }
  }
}
