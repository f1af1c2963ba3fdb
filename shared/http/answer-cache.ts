/** Where the cache learns that a service changed: the ChangeFeed of the store's writes. */
export interface Versions {
  version(service: string): number;
}

/** What a render gives the cache. */
export interface Made<T> {
  value: T;
  /** Epoch ms from which the value is stale whatever the version (a lease ends then). */
  validUntilMs?: number | undefined;
  /** About what keeping the value costs, in bytes. */
  size: number;
}

interface Entry {
  service: string | undefined;
  version: number;
  madeAtMs: number;
  validUntilMs: number;
  value: unknown;
  size: number;
}

export interface AnswerCacheOptions {
  versions: Versions;
  /** Default 1,024 answers. */
  maxEntries?: number;
  /** Default 64 MiB. */
  maxBytes?: number;
}

/**
 * Rendered answers (a service's file in a format, filtered; a DNS answer), each kept until
 * the service it was made from changes — a write signalled by the change feed bumps the
 * service's version — or until the first lease in it ends, whichever comes first. Only for a
 * process that hears of every write (local mode over its own SQLite file): elsewhere a write by
 * another process would go unseen.
 *
 * A key is everything but the service's content that the answer depends on (format, filters,
 * the asker's scope where it matters); the content is the version. Misses of one key at one
 * version share one render, so a herd of readers after a change renders once. Bounded by count
 * and bytes; the least recently used answer goes first.
 */
export class AnswerCache {
  readonly #versions: Versions;
  readonly #entries = new Map<string, Entry>();
  readonly #making = new Map<string, { version: number; made: Promise<unknown> }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  /** Renders made and answers served from the cache, since the start (for tests and /metrics). */
  readonly counts = { renders: 0, hits: 0 };

  constructor(options: AnswerCacheOptions) {
    this.#versions = options.versions;
    this.#maxEntries = options.maxEntries ?? 1024;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The answer under `key` for the service as it is now: kept, or made by `make` and kept.
   * `service` undefined: an answer no service's writes change (it still ends at validUntilMs).
   */
  async get<T>(
    service: string | undefined,
    key: string,
    nowMs: number,
    make: () => Promise<Made<T>>,
  ): Promise<T> {
    // Read before the render: a write landing during it leaves the answer under the older
    // version, so the next read makes it again rather than keep what may predate the write.
    const version = service === undefined ? 0 : this.#versions.version(service);
    const kept = this.#kept<T>(service, key, nowMs, version);
    if (kept !== undefined) return kept;
    const pending = this.#making.get(key);
    if (pending && pending.version === version) return (await pending.made) as T;
    const made = this.#make(service, key, version, nowMs, make);
    this.#making.set(key, { version, made });
    try {
      return await made;
    } finally {
      if (this.#making.get(key)?.made === made) this.#making.delete(key);
    }
  }

  /**
   * The answer under `key` if one is kept for the service as it is now, without waiting (DNS
   * answers a hit in the same turn of the event loop); undefined otherwise.
   */
  peek<T>(service: string | undefined, key: string, nowMs: number): T | undefined {
    const version = service === undefined ? 0 : this.#versions.version(service);
    return this.#kept<T>(service, key, nowMs, version);
  }

  #kept<T>(
    service: string | undefined,
    key: string,
    nowMs: number,
    version: number,
  ): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (
      entry.version === version &&
      entry.service === service &&
      nowMs >= entry.madeAtMs &&
      nowMs < entry.validUntilMs
    ) {
      this.counts.hits++;
      // Most recently used last: the Map's order is the eviction order.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.value as T;
    }
    this.#forget(key, entry);
    return undefined;
  }

  /** Answers kept now. */
  get size(): number {
    return this.#entries.size;
  }

  async #make<T>(
    service: string | undefined,
    key: string,
    version: number,
    nowMs: number,
    make: () => Promise<Made<T>>,
  ): Promise<T> {
    this.counts.renders++;
    const made = await make();
    const entry: Entry = {
      service,
      version,
      madeAtMs: nowMs,
      validUntilMs: made.validUntilMs ?? Number.POSITIVE_INFINITY,
      value: made.value,
      size: made.size,
    };
    if (entry.size <= this.#maxBytes / 4) {
      const old = this.#entries.get(key);
      if (old) this.#forget(key, old);
      this.#entries.set(key, entry);
      this.#bytes += entry.size;
      this.#evict();
    }
    return made.value;
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) return;
      this.#forget(key, entry);
    }
  }

  #forget(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }
}
