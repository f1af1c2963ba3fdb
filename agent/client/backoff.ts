import type { Rng } from "../rng.js";

export interface BackoffOptions {
  /** The first retry's ceiling. Default 500 ms. */
  initialMs?: number;
  /** No delay is longer than this. Default 30 s. */
  maxMs?: number;
  /** Default 2. */
  factor?: number;
  rng?: Rng;
}

/**
 * Exponential backoff with "equal jitter": each delay is half its ceiling plus a random half.
 * The random half spreads a fleet that lost the registry at the same moment; the fixed half
 * keeps a delay from collapsing to nothing, which full jitter allows.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #rng: Rng;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 500;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#rng = options.rng ?? Math.random;
    if (!(this.#initialMs > 0 && this.#maxMs >= this.#initialMs && this.#factor >= 1)) {
      throw new RangeError("backoff needs 0 < initialMs <= maxMs and factor >= 1");
    }
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next try; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
    this.#attempt += 1;
    return ceiling / 2 + (this.#rng() * ceiling) / 2;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
