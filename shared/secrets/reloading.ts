export interface ReloadingOptions<T> {
  /** What is loaded, for the warnings ("the tokens", "the signing keys"). */
  what: string;
  /** Fetches the stored text: a secret's string, or a file in the data folder. */
  load: () => Promise<string>;
  /** Turns the text into the value; throws on a damaged set (never naming a secret in it). */
  parse: (text: string) => T;
  /** How long a loaded value is used: how long a rotation takes to reach a running registry. */
  maxAgeMs?: number;
  /** How long after a failed load the next one is tried. Default 5,000. */
  retryMs?: number;
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Told about failed loads; never given the secret. Default: nothing. */
  warn?: (message: string, detail?: Record<string, unknown>) => void;
}

/** Default `maxAgeMs`: five minutes. */
export const DEFAULT_MAX_AGE_MS = 300_000;

/**
 * A secret-backed value (tokens, signing keys, presign keys) loaded on first use and reloaded
 * once older than `maxAgeMs`. One rule for every failure, first load or not: the last good
 * value is kept (none before the first success), a warning is given, and the next load is tried
 * `retryMs` later rather than on every request, so a Secrets Manager outage is not multiplied
 * by the request rate. What "nothing loaded" means is the caller's: the tokens answer 503
 * `tokens_unavailable`, the signing keys 503 `signing_unavailable`, presigned URLs are refused.
 * Concurrent callers share one load.
 */
export class Reloading<T> {
  readonly #options: ReloadingOptions<T>;
  readonly #maxAgeMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  #value: T | undefined;
  /** When the value is next due for a load: after maxAgeMs, or retryMs after a failure. */
  #dueAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;

  constructor(options: ReloadingOptions<T>) {
    this.#options = options;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  /** The last good value, without loading (undefined before the first successful load). */
  current(): T | undefined {
    return this.#value;
  }

  /** The value, loaded first when never loaded or stale and no retry is pending. */
  async get(): Promise<T | undefined> {
    if (this.#now() >= this.#dueAt) {
      this.#pending ??= this.#reload().finally(() => {
        this.#pending = undefined;
      });
      await this.#pending;
    }
    return this.#value;
  }

  async #reload(): Promise<void> {
    try {
      this.#value = this.#options.parse(await this.#options.load());
      this.#dueAt = this.#now() + this.#maxAgeMs;
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.#options.warn?.(
        this.#value === undefined
          ? `cannot load ${this.#options.what}`
          : `reloading ${this.#options.what} failed; keeping the previous set`,
        { reason },
      );
      this.#dueAt = this.#now() + this.#retryMs;
    }
  }
}
