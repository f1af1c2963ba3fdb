import type { Status } from "../model/instance.js";
import type { Change, ChangeLog, LeaveReason } from "./change-log.js";

/** What the recorder knows of a live instance. */
interface Member {
  service: string;
  id: string;
  status: Status;
  source: string;
  address: string;
  /** Epoch seconds, exclusive: live while the clock's second is below it (shared/store/item.ts). */
  expiresAt: number;
}

/** A member as a write reports it. */
export type Seen = Omit<Member, "service" | "id">;

const keyOf = (service: string, id: string) => `${service}\u0000${id}`;

/**
 * The live members of a registry as its writes report them, turning each write into the
 * change it is (a join, a status change, a leave) in a ChangeLog, and each lease that runs out
 * into a leave at the second it ended. Leases are bucketed by their end second, so a renewal
 * costs two Map operations and a sweep visits only the leases that ended.
 */
export class Membership {
  readonly #log: ChangeLog;
  readonly #members = new Map<string, Member>();
  readonly #byExpiry = new Map<number, Set<string>>();
  /** The last second swept; leases ending at or before it are gone. */
  #sweptTo = 0;

  constructor(log: ChangeLog) {
    this.#log = log;
    log.beforeRead = (nowMs) => this.sweep(nowMs);
  }

  /** A write made the instance live (a heartbeat, a source's write) at `nowMs`. */
  live(service: string, id: string, seen: Seen, nowMs: number, created: boolean): void {
    this.sweep(nowMs);
    const key = keyOf(service, id);
    const known = this.#members.get(key);
    const member = { service, id, ...seen };
    if (known) this.#unbucket(key, known.expiresAt);
    this.#members.set(key, member);
    this.#bucket(key, member.expiresAt);
    // A renewal of a member this process never saw (written before the process began, and not
    // seeded yet) is no change anyone can name: it is only known from now on.
    if (created) {
      this.#record(member, "joined", nowMs);
    } else if (known && known.status !== seen.status) {
      this.#record(member, "status", nowMs, { previousStatus: known.status });
    }
  }

  /** A write removed the instance (deregistration, a source's removal). */
  gone(service: string, id: string, reason: LeaveReason, nowMs: number): void {
    this.sweep(nowMs);
    const key = keyOf(service, id);
    const known = this.#members.get(key);
    if (known) {
      this.#unbucket(key, known.expiresAt);
      this.#members.delete(key);
    }
    this.#log.record({
      at: nowMs,
      service,
      id,
      change: "left",
      status: known?.status ?? null,
      source: known?.source ?? null,
      address: known?.address ?? null,
      reason,
    });
  }

  /** A creation the caps refused was undone: it never happened. */
  withdrawn(service: string, id: string): void {
    const key = keyOf(service, id);
    const known = this.#members.get(key);
    if (known) {
      this.#unbucket(key, known.expiresAt);
      this.#members.delete(key);
    }
    this.#log.retractJoin(service, id);
  }

  /** An instance live before this process began: known from now on, no change recorded. */
  seed(service: string, id: string, seen: Seen): void {
    const key = keyOf(service, id);
    if (this.#members.has(key)) return;
    this.#members.set(key, { service, id, ...seen });
    this.#bucket(key, seen.expiresAt);
  }

  /** Records a leave for every lease that ended by `nowMs`, at the second it ended. */
  sweep(nowMs: number): void {
    const nowS = Math.floor(nowMs / 1000);
    if (this.#sweptTo === 0) this.#sweptTo = nowS - 1;
    if (nowS <= this.#sweptTo) return;
    const ended = [...this.#byExpiry.keys()].filter((s) => s <= nowS).sort((a, b) => a - b);
    for (const second of ended) {
      for (const key of this.#byExpiry.get(second) ?? []) {
        const m = this.#members.get(key);
        if (!m) continue;
        this.#members.delete(key);
        this.#record(m, "left", second * 1000, { reason: "expired" });
      }
      this.#byExpiry.delete(second);
    }
    this.#sweptTo = nowS;
  }

  knows(service: string, id: string): boolean {
    return this.#members.has(keyOf(service, id));
  }

  /** Live members known (tests; the metrics may read it). */
  get size(): number {
    return this.#members.size;
  }

  #record(m: Member, change: Change["change"], at: number, extra: Partial<Change> = {}): void {
    this.#log.record({
      at,
      service: m.service,
      id: m.id,
      change,
      status: m.status,
      source: m.source,
      address: m.address,
      ...extra,
    });
  }

  #bucket(key: string, second: number): void {
    let set = this.#byExpiry.get(second);
    if (!set) {
      set = new Set();
      this.#byExpiry.set(second, set);
    }
    set.add(key);
  }

  #unbucket(key: string, second: number): void {
    const set = this.#byExpiry.get(second);
    if (!set) return;
    set.delete(key);
    if (set.size === 0) this.#byExpiry.delete(second);
  }
}
