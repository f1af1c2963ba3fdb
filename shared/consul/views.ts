import type { ChangeFeed } from "../store/change-feed.js";
import type { ChangeIndex, RegistryStore } from "../store/store.js";
import { readView, type ServiceView } from "./view.js";

export interface ViewsOptions {
  /**
   * Local mode: every write of this process is signalled here, so a view is kept until the
   * service is written (or changes by itself) and a thousand readers woken by one write read
   * the store once between them.
   */
  feed?: ChangeFeed | undefined;
  /**
   * Without a feed (Lambda: other containers write), a view is kept while the service's change
   * index is as it was, for at most this long: changes that raise no index (metadata changed
   * by a renewal) reach readers within it. Default 30 s.
   */
  maxAgeMs?: number;
  /** Services kept; the oldest goes first. Default 1,024. */
  maxServices?: number;
}

interface Entry {
  /** Bumped by the feed on every write to the service. */
  generation: number;
  view?: { value: ServiceView; generation: number; atMs: number };
  pending?: { promise: Promise<ServiceView>; generation: number };
  unsubscribe?: () => void;
}

/**
 * Services' views as this process last read them (view.ts), so that readers — many watchers
 * of one service, the catalog's listing of every service — read the store only when something
 * may have changed.
 */
export class ConsulViews {
  readonly #store: RegistryStore;
  readonly #feed: ChangeFeed | undefined;
  readonly #maxAgeMs: number;
  readonly #maxServices: number;
  readonly #entries = new Map<string, Entry>();

  constructor(store: RegistryStore, options: ViewsOptions = {}) {
    this.#store = store;
    this.#feed = options.feed;
    this.#maxAgeMs = options.maxAgeMs ?? 30_000;
    this.#maxServices = options.maxServices ?? 1024;
  }

  get store(): RegistryStore {
    return this.#store;
  }

  /** Whether writes are signalled in this process (real blocking), or must be polled for. */
  get signalled(): boolean {
    return this.#feed !== undefined;
  }

  /**
   * The service's view at `nowMs`. `seen`: the service's change index, when the caller has
   * just read it (the catalog reads them all at once).
   */
  async view(service: string, nowMs: number, seen?: ChangeIndex): Promise<ServiceView> {
    const entry = this.#entry(service);
    const generation = entry.generation;
    if (this.#feed) {
      const kept = entry.view;
      if (kept && kept.generation === generation && before(kept.value, nowMs)) return kept.value;
      if (entry.pending?.generation === generation) return entry.pending.promise;
      const promise = readView(this.#store, service, nowMs, seen).then((value) => {
        entry.view = { value, generation, atMs: nowMs };
        return value;
      });
      entry.pending = { promise, generation };
      try {
        return await promise;
      } finally {
        if (entry.pending?.promise === promise) entry.pending = undefined;
      }
    }
    // Polled: the record says whether anyone wrote since; one request at a time per container.
    const record = seen ?? (await this.#store.changeIndex(service));
    const kept = entry.view;
    if (
      kept &&
      kept.value.seen.index === record.index &&
      kept.value.seen.hashAt === record.hashAt &&
      before(kept.value, nowMs) &&
      nowMs - kept.atMs < this.#maxAgeMs
    ) {
      return kept.value;
    }
    const value = await readView(this.#store, service, nowMs, record);
    entry.view = { value, generation, atMs: nowMs };
    return value;
  }

  #entry(service: string): Entry {
    const entry = this.#entries.get(service);
    if (entry) {
      // Most recently used last, so the oldest is first to go.
      this.#entries.delete(service);
      this.#entries.set(service, entry);
      return entry;
    }
    if (this.#entries.size >= this.#maxServices) {
      const [oldest, dropped] = this.#entries.entries().next().value ?? [];
      if (oldest !== undefined) this.#entries.delete(oldest);
      dropped?.unsubscribe?.();
    }
    const created: Entry = { generation: 0 };
    created.unsubscribe = this.#feed?.subscribe(service, () => {
      created.generation++;
    });
    this.#entries.set(service, created);
    return created;
  }
}

/** The view still holds: nothing it names has lapsed or run out. */
const before = (view: ServiceView, nowMs: number) =>
  view.nextEventMs === null || nowMs < view.nextEventMs;
