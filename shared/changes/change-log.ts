import type { Status } from "../model/instance.js";
import { ChangeFeed } from "../store/change-feed.js";

/** What happened to an instance: it joined, it left, or its status changed. */
export const CHANGE_KINDS = ["joined", "left", "status"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Why an instance left: its node deregistered, its lease ran out, or a source removed it. */
export type LeaveReason = "deregistered" | "expired" | "removed";

/** One change, as `GET /v1/changes` serves it (docs/api.md). */
export interface Change {
  /** Epoch ms. */
  at: number;
  service: string;
  id: string;
  change: ChangeKind;
  /** After the change; for a leave, the last status known. Null when never known. */
  status: Status | null;
  /** For a status change: the status before it. */
  previousStatus?: Status;
  source: string | null;
  address: string | null;
  /** For a leave. */
  reason?: LeaveReason;
}

/** The key ChangeLog's feed signals under: one key, since a reader may watch every service. */
export const CHANGES_KEY = "changes";

/**
 * The most recent changes of a registry that runs in one process (local mode), newest last,
 * at most `capacity` of them: what the recording store (recording-store.ts) saw happen. It
 * lives in memory, so it starts empty with the process; the table keeps no history.
 */
export class ChangeLog {
  readonly #capacity: number;
  readonly #changes: Change[] = [];
  /** Signals each recorded change under CHANGES_KEY: `GET /v1/changes?wait=` waits on it. */
  readonly feed = new ChangeFeed();
  /** The newest change per service, kept past the log's capacity. */
  readonly #last = new Map<string, number>();

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity ?? 1000;
  }

  record(change: Change): void {
    this.#changes.push(change);
    if (this.#changes.length > this.#capacity) this.#changes.shift();
    this.#last.set(change.service, Math.max(this.#last.get(change.service) ?? 0, change.at));
    this.feed.notify(CHANGES_KEY);
  }

  /**
   * Drops the newest join of an instance: a creation the caps refused and withdrew did not
   * happen for anyone who reads the registry.
   */
  retractJoin(service: string, id: string): void {
    for (let i = this.#changes.length - 1; i >= 0; i--) {
      const c = this.#changes[i];
      if (c && c.service === service && c.id === id && c.change === "joined") {
        this.#changes.splice(i, 1);
        this.feed.notify(CHANGES_KEY);
        return;
      }
    }
  }

  /** Called with the clock before each read: the recorder records the leases that ended. */
  beforeRead: ((nowMs: number) => void) | undefined;

  /** Newest first, at most `limit`, of the services `include` accepts. */
  recent(include: (service: string) => boolean, limit: number, nowMs: number): Change[] {
    this.beforeRead?.(nowMs);
    const out: Change[] = [];
    for (let i = this.#changes.length - 1; i >= 0 && out.length < limit; i--) {
      const c = this.#changes[i];
      if (c && include(c.service)) out.push(c);
    }
    return out;
  }

  /** Epoch ms of the newest change recorded for a service since the process started. */
  lastChange(service: string): number | undefined {
    return this.#last.get(service);
  }
}
