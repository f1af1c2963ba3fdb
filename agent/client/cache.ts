export interface CacheOptions {
  /** How long an answer is served without asking the registry. */
  ttlMs: number;
  /**
   * How long past its TTL an answer may still be served when the registry cannot be reached.
   * Default: no limit, because a stale peer list beats none for a node that must keep going.
   */
  maxStaleMs?: number;
  /** Oldest entries go first past this. Default 1000. */
  maxEntries?: number;
  now?: () => number;
}

export interface CacheHit<V> {
  value: V;
  etag: string | undefined;
  /** Within the TTL: may be served without a request. */
  fresh: boolean;
  ageMs: number;
}

interface Entry<V> {
  value: V;
  etag: string | undefined;
  storedAt: number;
}

/**
 * The last good answer per query, with its ETag so that a revalidation costs a 304. Map order
 * is insertion order, so re-inserting on use makes eviction least-recently-used.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #maxStaleMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: CacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxStaleMs = options.maxStaleMs ?? Number.POSITIVE_INFINITY;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Undefined when absent or too stale to serve even as a fallback. */
  get(key: string): CacheHit<V> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const ageMs = this.#now() - entry.storedAt;
    if (ageMs > this.#ttlMs + this.#maxStaleMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return { value: entry.value, etag: entry.etag, fresh: ageMs < this.#ttlMs, ageMs };
  }

  set(key: string, value: V, etag: string | undefined): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, etag, storedAt: this.#now() });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** A 304 confirmed the entry: it is fresh again. */
  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) this.set(key, entry.value, entry.etag);
  }

  get size(): number {
    return this.#entries.size;
  }
}
