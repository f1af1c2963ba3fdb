/**
 * The per-instance flood guard: turns away, in the process, a heartbeat for the same
 * (service, id) from the same token with the same content sooner than its floor (ttl/10),
 * and any such duplicate while one is already on its way to the table. The table's
 * conditional write stays the authority (other processes, other containers); this only spares
 * it the flood a stuck loop or a replay sends to one process.
 */
export interface FloodGuardOptions {
  /** Epoch milliseconds. */
  now: () => number;
  /** Bound on remembered instances; the least recently seen are forgotten. Default 50,000. */
  maxEntries?: number;
}

interface Seen {
  owner: string;
  hash: string;
  /** Epoch ms of the last heartbeat the table accepted through this process. */
  acceptedAt: number;
  inFlight: number;
}

export type Admission =
  | { ok: true; done: (accepted: boolean) => void }
  | { ok: false; retryAfterSeconds: number };

export class FloodGuard {
  readonly #now: () => number;
  readonly #max: number;
  readonly #seen = new Map<string, Seen>();

  constructor(options: FloodGuardOptions) {
    this.#now = options.now;
    this.#max = options.maxEntries ?? 50_000;
  }

  /**
   * Forgets an instance once it is deregistered: the table holds nothing for it any more, so
   * a registration that follows at once is a new one, not a duplicate of the last heartbeat.
   */
  forget(service: string, id: string): void {
    this.#seen.delete(`${service}\u0000${id}`);
  }

  /**
   * Admits a heartbeat or refuses it with a Retry-After. An admitted one must call `done`
   * with whether the table accepted it (a write landed). `floorIntervalMs` is the floor as a
   * length of time (ttl/10); the store's `floorMs` (shared/store/rules.ts) is a moment: the
   * latest `last_seen` an unchanged renewal may follow.
   */
  admit(
    service: string,
    id: string,
    owner: string,
    hash: string,
    floorIntervalMs: number,
  ): Admission {
    const key = `${service}\u0000${id}`;
    const now = this.#now();
    const seen = this.#seen.get(key);
    const same = seen !== undefined && seen.owner === owner && seen.hash === hash;
    if (same && seen.inFlight > 0) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(floorIntervalMs / 1000)) };
    }
    if (same && now - seen.acceptedAt < floorIntervalMs) {
      const wait = seen.acceptedAt + floorIntervalMs - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    }
    const entry: Seen = same
      ? seen
      : { owner, hash, acceptedAt: Number.NEGATIVE_INFINITY, inFlight: 0 };
    entry.inFlight++;
    this.#seen.delete(key);
    while (this.#seen.size >= this.#max) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
    this.#seen.set(key, entry);
    return {
      ok: true,
      done: (accepted) => {
        entry.inFlight--;
        if (accepted) entry.acceptedAt = now;
      },
    };
  }
}
