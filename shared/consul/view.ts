import { hash } from "node:crypto";
import type { Instance } from "../model/instance.js";
import {
  type ChangeIndex,
  type RegistryStore,
  StoreUnavailableError,
  type ViewSummary,
} from "../store/store.js";

/**
 * What Consul's readers see of a service, and the index they are given for it
 * (`X-Consul-Index`): the store's change index (store.ts ChangeIndex), pinned to the hash of
 * the view. So the index moves when, and only when, something a reader sees changed — a
 * registration, a status, a check's output, a TTL running out, a lease ending, metadata — and
 * never for a renewal that changed none of it; it lives in the store, so it never goes back
 * across restarts or Lambda containers.
 */
export interface ServiceView {
  service: string;
  /** The index readers are given: ≥ 1. */
  index: number;
  /** The live instances at the time of the read, by id. */
  instances: Instance[];
  /** When the view changes by itself (a lease ends, a TTL runs out); null: only by a write. */
  nextEventMs: number | null;
  /** The record this view was read against. */
  seen: ChangeIndex;
}

/** What of an instance a Consul reader sees: what render.ts puts in its shapes. */
function visible(i: Instance): unknown[] {
  return [
    i.id,
    i.address,
    i.tags,
    Object.entries(i.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    i.weight,
    i.status,
    i.checks?.map((c) => [c.check_id, c.name, c.status, c.output, c.notes]) ?? null,
  ];
}

/** The first moment after `nowMs` at which the view changes with no write. */
export function nextEvent(instances: readonly Instance[], nowMs: number): number | null {
  let next: number | null = null;
  const consider = (ms: number) => {
    if (ms > nowMs && (next === null || ms < next)) next = ms;
  };
  for (const i of instances) {
    consider(Date.parse(i.expires_at));
    for (const c of i.checks ?? []) consider(Date.parse(c.ttl_ends_at));
  }
  return next;
}

export function viewSummary(instances: readonly Instance[], nowMs: number): ViewSummary {
  const tags = new Set<string>();
  for (const i of instances) for (const t of i.tags) tags.add(t);
  return {
    hash: hash("sha256", JSON.stringify(instances.map(visible)), "base64url").slice(0, 22),
    tags: [...tags].sort(),
    live: instances.length,
    nextEventMs: nextEvent(instances, nowMs),
  };
}

/** Whether a pinned record's summary still describes the service at `nowMs` by itself. */
export function summaryCurrent(seen: ChangeIndex, nowMs: number): boolean {
  return (
    seen.hash !== undefined &&
    seen.hashAt === seen.index &&
    (seen.nextEventMs === null || nowMs < seen.nextEventMs)
  );
}

const ATTEMPTS = 8;

/**
 * Reads the service and settles its index: `seen` (the record read just before, when the
 * caller has it) first, then the list, so that a write landing in between is in the list and
 * raises the index a later read is compared with (a reader is woken once too often, never
 * once too few). Concurrent readers that pinned first make this read again.
 */
export async function readView(
  store: RegistryStore,
  service: string,
  nowMs: number,
  given?: ChangeIndex,
): Promise<ServiceView> {
  let seen = given ?? (await store.changeIndex(service));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const instances = await store.list(service, nowMs);
    const summary = viewSummary(instances, nowMs);
    const view = (index: number, record: ChangeIndex): ServiceView => ({
      service,
      index,
      instances,
      nextEventMs: summary.nextEventMs,
      seen: record,
    });
    if (seen.hash === summary.hash && seen.hashAt > 0) {
      // Nothing changed. A pin whose summary went out of date (a lease it named was renewed)
      // is brought up to date, so that the catalog can go on trusting it; no index moves.
      if (seen.hashAt === seen.index && !summaryCurrent(seen, nowMs)) {
        const touched = await store.settleIndex(service, seen, summary);
        if (touched) return view(touched.hashAt, touched);
      }
      return view(seen.hashAt, seen);
    }
    // A service nobody has written: nothing to pin, and a read must not create it.
    if (instances.length === 0 && seen.hashAt === 0 && seen.index === 1) return view(1, seen);
    const settled = await store.settleIndex(service, seen, summary);
    if (settled) return view(settled.hashAt, settled);
    seen = await store.changeIndex(service);
  }
  throw new StoreUnavailableError(`the index of service ${service} kept moving while read`, 1);
}
