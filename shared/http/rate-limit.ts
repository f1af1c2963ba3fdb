/**
 * Per-token token buckets, in the process. On Lambda each warm container keeps its own
 * buckets, so the limit is per token per container: it turns a flood away before it reaches
 * the table, while a fleet's steady load spread over containers is not refused. (A limit
 * across containers needs the edge: a rate-based WAF rule, see the front door's webAclArn.)
 */
export interface RateLimitOptions {
  /** Sustained requests per second per token. */
  ratePerSecond: number;
  /** Requests a token may make at once after being idle. */
  burst: number;
  /** Epoch milliseconds. */
  now: () => number;
  /** Bound on tracked tokens, so made-up keys cannot grow memory. Default 10,000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Takes one request's worth from `key`'s bucket, or says how long until there is one. */
  take(key: string): Take {
    const now = this.#now();
    const old = this.#buckets.get(key);
    const elapsed = old ? Math.max(0, now - old.at) / 1000 : 0;
    const tokens = old ? Math.min(this.#burst, old.tokens + elapsed * this.#rate) : this.#burst;
    // Re-inserted on every use, so the map's first key is the least recently used one.
    this.#buckets.delete(key);
    while (this.#buckets.size >= this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.#rate)) };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }
}
