import type { AppEvent } from "../http/app-event.js";

/**
 * Counts the app's events in a warm container and hands them out for publishing at most every
 * `flushMs`, so a heartbeat writes no metric line of its own: one EMF line a minute per
 * container instead of one per invocation (docs/cost.md). `store_unavailable` is due at once,
 * since an alarm waits on it. The price: counts a container holds when Lambda retires it
 * (at most one period's worth) are never published.
 */
export class EventTotals {
  readonly #flushMs: number;
  readonly #now: () => number;
  #counts = new Map<AppEvent, number>();
  #lastFlush: number;
  #urgent = false;

  constructor(options: { flushMs: number; now?: () => number }) {
    this.#flushMs = options.flushMs;
    this.#now = options.now ?? Date.now;
    this.#lastFlush = this.#now();
  }

  add(event: AppEvent): void {
    this.#counts.set(event, (this.#counts.get(event) ?? 0) + 1);
    if (event === "store_unavailable") this.#urgent = true;
  }

  /** The counts to publish now, or undefined while none are due. Resets what it returns. */
  due(): Map<AppEvent, number> | undefined {
    const now = this.#now();
    if (this.#counts.size === 0) return undefined;
    if (!this.#urgent && now - this.#lastFlush < this.#flushMs) return undefined;
    const counts = this.#counts;
    this.#counts = new Map();
    this.#lastFlush = now;
    this.#urgent = false;
    return counts;
  }
}
