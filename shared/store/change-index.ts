import { type ChangeIndex, FIRST_INDEX, type ViewSummary } from "./store.js";

/**
 * The rules of a service's change index (store.ts ChangeIndex), once for every engine: what a
 * settle writes, and when a record still is what a reader saw.
 */

/**
 * The record after a reader pinned `view` over `seen`: where it is already pinned (the same
 * view, its summary brought up to date), at `seen.index` when nothing is pinned there yet (a
 * write raised the index since the last pin), else at the next index.
 */
export function settledIndex(seen: ChangeIndex, view: ViewSummary): ChangeIndex {
  const at =
    seen.hash === view.hash && seen.hashAt === seen.index
      ? seen.index
      : seen.hashAt < seen.index
        ? seen.index
        : seen.index + 1;
  return {
    index: at,
    hash: view.hash,
    hashAt: at,
    tags: [...view.tags],
    live: view.live,
    nextEventMs: view.nextEventMs,
  };
}

/** Whether `current` is still the record a reader read as `seen` (no write, no pin since). */
export function unmoved(current: ChangeIndex, seen: ChangeIndex): boolean {
  return current.index === seen.index && current.hashAt === seen.hashAt;
}

/** The index a write that readers must see leaves: one more than before, at least 2. */
export function raisedIndex(current: number | undefined): number {
  return Math.max(current ?? FIRST_INDEX.index, FIRST_INDEX.index) + 1;
}

/** A stored pin (SQLite's JSON column, DynamoDB's attributes), back as a record. */
export function changeIndexOf(
  index: number | undefined,
  pinned:
    | {
        hash?: string;
        hash_at?: number;
        tags?: string[];
        live?: number;
        next_event?: number | null;
      }
    | undefined,
): ChangeIndex {
  return {
    index: index ?? FIRST_INDEX.index,
    hash: pinned?.hash,
    hashAt: pinned?.hash_at ?? 0,
    tags: pinned?.tags ?? [],
    live: pinned?.live ?? 0,
    nextEventMs: pinned?.next_event ?? null,
  };
}

/** The stored form of a record's pin. */
export function pinnedOf(record: ChangeIndex) {
  return {
    hash: record.hash,
    hash_at: record.hashAt,
    tags: record.tags,
    live: record.live,
    next_event: record.nextEventMs,
  };
}
