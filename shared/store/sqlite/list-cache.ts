import type { Instance } from "../../model/instance.js";

interface Entry {
  instances: Instance[];
  /** Epoch seconds the list was read at, and the earliest lease end in it. */
  readAtS: number;
  firstExpiryS: number;
}

/**
 * A service's live instances as last read, kept until the next write to that service or the
 * first lease in it ends, whichever comes first: until then a read would return exactly the
 * same list. Reading and parsing a 1,000-instance service is most of a peers.json; a herd of
 * joining nodes reads it many times between two writes.
 */
export class ListCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxServices: number;
  /** PRAGMA data_version when the entries were read: it changes when another connection commits. */
  #dataVersion = -1;

  constructor(maxServices = 256) {
    this.#maxServices = maxServices;
  }

  get(service: string, nowS: number, dataVersion: number): Instance[] | undefined {
    if (dataVersion !== this.#dataVersion) {
      // Someone else wrote to the file (only the tests do: the data-folder lock keeps one
      // registry per file); nothing cached can be trusted.
      this.#entries.clear();
      this.#dataVersion = dataVersion;
      return undefined;
    }
    const entry = this.#entries.get(service);
    if (!entry) return undefined;
    // Same second or later (a clock moved back recomputes), and nothing in it has lapsed.
    if (nowS < entry.readAtS || nowS >= entry.firstExpiryS) {
      this.#entries.delete(service);
      return undefined;
    }
    // Copies of the array: callers filter and sort, never touching the cached one.
    return [...entry.instances];
  }

  set(service: string, nowS: number, instances: Instance[], expiries: number[]): void {
    if (this.#entries.size >= this.#maxServices) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    // A loop, not Math.min(...expiries): spreading a large service's leases as arguments
    // overflows the stack (V8 allows some 100,000 arguments; a service may hold more).
    let firstExpiryS = Number.POSITIVE_INFINITY;
    for (const expiry of expiries) if (expiry < firstExpiryS) firstExpiryS = expiry;
    this.#entries.set(service, { instances: [...instances], readAtS: nowS, firstExpiryS });
  }

  /** Any write to the service (or an unknown one: `undefined` clears all). */
  invalidate(service?: string): void {
    if (service === undefined) this.#entries.clear();
    else this.#entries.delete(service);
  }
}
