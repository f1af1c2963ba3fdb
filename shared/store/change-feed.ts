import { WRITE_METHOD_NAMES, writeOutcome } from "./methods.js";
import type { Store } from "./store.js";
import { wrapMethods } from "./wrap-methods.js";

type Listener = () => void;

/**
 * Tells the readers of a service, in this process, that something may have changed there.
 * A signal is a hint, never the change itself: a waiting read renders the list again and
 * compares, so a renewal that moved nothing it serves wakes it for nothing and it waits on.
 */
export class ChangeFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #everywhere = new Set<Listener>();
  /** Writes signalled per service since this feed was made (one small entry per service). */
  readonly #versions = new Map<string, number>();

  /**
   * A number that changes with every write signalled for `service`: what was rendered from
   * the service at one version is what a render would give again at the same version (the
   * lease ends aside), so long as every write goes through the store this feed wraps.
   */
  version(service: string): number {
    return this.#versions.get(service) ?? 0;
  }

  /** Calls `listener` after each write to `service`; the returned function stops it. */
  subscribe(service: string, listener: Listener): () => void {
    let set = this.#listeners.get(service);
    if (!set) {
      set = new Set();
      this.#listeners.set(service, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(service) === set) this.#listeners.delete(service);
    };
  }

  /** Calls `listener` after each write to any service (a read across services waits on it). */
  subscribeAll(listener: Listener): () => void {
    this.#everywhere.add(listener);
    return () => {
      this.#everywhere.delete(listener);
    };
  }

  notify(service: string): void {
    this.#versions.set(service, this.version(service) + 1);
    const set = this.#listeners.get(service);
    // Copies: a listener that unsubscribes while called must not skip its neighbour.
    if (set) for (const listener of [...set]) listener();
    for (const listener of [...this.#everywhere]) listener();
  }

  /** Readers waiting on `service` (all services when omitted). */
  waiting(service?: string): number {
    if (service !== undefined) return this.#listeners.get(service)?.size ?? 0;
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}

/**
 * `store` that signals `feed` after each write that changed a service: every write of
 * STORE_METHODS (methods.ts) whose result says it wrote and that names a service — heartbeats,
 * deletes, the caps' withdrawals and the reconciler's writes. The Store interface is
 * unchanged; wrap the one store the app and the reconciler share.
 */
export function notifyingStore<S extends Store>(store: S, feed: ChangeFeed): S {
  return wrapMethods(store, WRITE_METHOD_NAMES, (name, method) => async (...args: unknown[]) => {
    const result = await method(...args);
    const { wrote, service } = writeOutcome(name, args, result);
    if (wrote && service !== undefined) feed.notify(service);
    return result;
  });
}
