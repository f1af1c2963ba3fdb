export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long it stays open before one probe is let through. Default 10 s. */
  cooldownMs?: number;
  /** Epoch milliseconds; tests pass their own. */
  now?: () => number;
}

/**
 * Closed → open after `failureThreshold` consecutive failures; after `cooldownMs` one probe
 * goes through (half-open) and its outcome closes or reopens the circuit. While open, callers
 * fail at once instead of each waiting out a timeout: a watch or a resolve serves its cached
 * answer immediately, and a fleet stops hammering a registry that is down.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | undefined;
  #probing = false;

  constructor(options: BreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3;
    this.#cooldownMs = options.cooldownMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#threshold >= 1 && this.#cooldownMs >= 0)) {
      throw new RangeError("breaker needs failureThreshold >= 1 and cooldownMs >= 0");
    }
  }

  get state(): BreakerState {
    if (this.#openedAt === undefined) return "closed";
    return this.#probing || this.#now() - this.#openedAt >= this.#cooldownMs ? "half_open" : "open";
  }

  /**
   * Whether a request may go now. In half-open only one may (the probe) until it reports;
   * every `true` must be followed by `onSuccess`, `onFailure` or `release`.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Milliseconds until `tryAcquire` may say yes; 0 when it may now. */
  retryInMs(): number {
    if (this.#openedAt === undefined) return 0;
    return Math.max(0, this.#openedAt + this.#cooldownMs - this.#now());
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#probing = false;
  }

  onFailure(): void {
    this.#failures += 1;
    if (this.#probing || this.#failures >= this.#threshold) this.#openedAt = this.#now();
    this.#probing = false;
  }

  /** A request that ended neither way (the caller aborted it): frees the probe slot. */
  release(): void {
    this.#probing = false;
  }
}
