import type { ChangeFeed } from "../store/change-feed.js";
import { matches } from "./cacheable.js";
import type { RenderedAnswer } from "./rendered-answer.js";

export interface WaitingReadsOptions {
  /** Writes made in this process; each wakes the groups of its service. */
  feed?: ChangeFeed | undefined;
  /** Also render again this often (writes of other processes signal no feed here). */
  pollMs?: number | undefined;
  /** The app's clock, which leases are read against. */
  now: () => number;
}

/** One waiting read: the ETag(s) it has, and how to answer it. */
interface Waiter {
  ifNoneMatch: string;
  /** A rendering it does not have; undefined: the wait ended (deadline, or the client left). */
  settle(answer: RenderedAnswer | undefined): void;
  fail(err: unknown): void;
}

/**
 * The waiting reads of one answer (a service's file in one format, with the same filters):
 * one subscription to the feed, one timer for the next lease end, one rendering per wake for
 * them all. Waiters are kept by their If-None-Match, so a wake compares each distinct value
 * once, and a renewal that leaves the file as it was wakes nobody.
 */
class WaitGroup {
  readonly #byEtag = new Map<string, Set<Waiter>>();
  #count = 0;
  readonly #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rendering = false;
  #again = false;

  constructor(
    readonly service: string,
    readonly render: () => Promise<RenderedAnswer>,
    readonly options: WaitingReadsOptions,
    readonly dispose: () => void,
  ) {
    this.#unsubscribe = options.feed?.subscribe(service, () => this.refresh());
  }

  get count(): number {
    return this.#count;
  }

  add(waiter: Waiter): void {
    let set = this.#byEtag.get(waiter.ifNoneMatch);
    if (!set) {
      set = new Set();
      this.#byEtag.set(waiter.ifNoneMatch, set);
    }
    set.add(waiter);
    this.#count++;
  }

  /** Takes a waiter out (answered, timed out, gone); the last one out closes the group. */
  remove(waiter: Waiter): void {
    const set = this.#byEtag.get(waiter.ifNoneMatch);
    if (!set?.delete(waiter)) return;
    this.#count--;
    if (set.size === 0) this.#byEtag.delete(waiter.ifNoneMatch);
    if (this.#count === 0) this.close();
  }

  /** Wakes at the soonest lease end of `answer` (or the poll), whichever comes first. */
  schedule(answer: RenderedAnswer): void {
    clearTimeout(this.#timer);
    let sleepMs: number | undefined;
    if (answer.nextExpiryMs !== undefined) {
      // A few ms past the lease end, so the next read no longer counts it live; a lease still
      // listed past its end (a store rounding otherwise) is looked at once a second.
      const untilEnd = answer.nextExpiryMs - this.options.now();
      sleepMs = untilEnd > 0 ? untilEnd + 5 : 1000;
    }
    if (this.options.pollMs)
      sleepMs = Math.min(sleepMs ?? this.options.pollMs, this.options.pollMs);
    // Past setTimeout's range the wait ends first anyway.
    if (sleepMs !== undefined && sleepMs < 2 ** 31) {
      this.#timer = setTimeout(() => this.refresh(), sleepMs);
      this.#timer.unref?.();
    }
  }

  /** Renders again (once for all, however many signals came meanwhile) and answers who it changed for. */
  refresh(): void {
    if (this.#rendering) {
      this.#again = true;
      return;
    }
    this.#rendering = true;
    // After the current callbacks: the write that signalled is answered first.
    setImmediate(() => void this.#render());
  }

  async #render(): Promise<void> {
    try {
      do {
        this.#again = false;
        if (this.#count === 0) return;
        const answer = await this.render();
        for (const [ifNoneMatch, set] of this.#byEtag) {
          if (matches(ifNoneMatch, answer.etag)) continue;
          for (const waiter of set) waiter.settle(answer);
        }
        if (this.#count > 0) this.schedule(answer);
      } while (this.#again);
    } catch (err) {
      // The store did not answer: so told, every waiter answers as a read would (503).
      for (const set of [...this.#byEtag.values()]) for (const waiter of set) waiter.fail(err);
    } finally {
      this.#rendering = false;
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    this.dispose();
  }
}

/**
 * Local mode's (and Lambda's, when allowed) held reads, grouped by what they wait for. Each
 * group renders once per write to its service (or lease end, or poll) and answers only the
 * waiters whose ETag that rendering does not match: 2,000 waiting reads of a peers.txt cost
 * one rendering per renewal, and a renewal that changes nothing served answers none of them.
 */
export class WaitingReads {
  readonly #groups = new Map<string, WaitGroup>();
  readonly #options: WaitingReadsOptions;

  constructor(options: WaitingReadsOptions) {
    this.#options = options;
  }

  /**
   * Waits until a rendering under `key` differs from `ifNoneMatch` (resolves with it), or the
   * deadline passes or `signal` aborts (resolves undefined). `current` is the rendering the
   * caller compared against, made at feed version `version`: a write since then renders again
   * at once, so no change falls between the caller's render and its joining the group.
   */
  wait(options: {
    key: string;
    service: string;
    ifNoneMatch: string;
    current: RenderedAnswer;
    version: number | undefined;
    waitMs: number;
    signal: AbortSignal;
    render: () => Promise<RenderedAnswer>;
  }): Promise<RenderedAnswer | undefined> {
    const { key, service } = options;
    if (options.signal.aborted) return Promise.resolve(undefined);
    let group = this.#groups.get(key);
    const created = !group;
    if (!group) {
      group = new WaitGroup(service, options.render, this.#options, () => {
        if (this.#groups.get(key) === group) this.#groups.delete(key);
      });
      this.#groups.set(key, group);
    }
    const joined = group;
    return new Promise<RenderedAnswer | undefined>((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        options.signal.removeEventListener("abort", onAbort);
        joined.remove(waiter);
      };
      const onAbort = () => {
        end();
        resolve(undefined);
      };
      const waiter: Waiter = {
        ifNoneMatch: options.ifNoneMatch,
        settle: (answer) => {
          end();
          resolve(answer);
        },
        fail: (err) => {
          end();
          reject(err);
        },
      };
      const timer = setTimeout(onAbort, options.waitMs);
      options.signal.addEventListener("abort", onAbort, { once: true });
      joined.add(waiter);
      if (created) joined.schedule(options.current);
      const feed = this.#options.feed;
      if (feed && options.version !== feed.version(service)) joined.refresh();
    });
  }

  /** Reads waiting on `service` (all services when omitted). */
  waiting(service?: string): number {
    let n = 0;
    for (const group of this.#groups.values()) {
      if (service === undefined || group.service === service) n += group.count;
    }
    return n;
  }
}
