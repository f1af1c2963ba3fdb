import type { ChangeEntry, Instance } from "../types.js";

/**
 * What changed between two readings of a service, as change entries stamped `atIso`: the
 * instances that appeared (joined), disappeared (left) and changed status. A page that polls
 * sees leaves and status changes this way where the registry keeps no history (Lambda).
 */
export function diffInstances(
  before: readonly Instance[],
  after: readonly Instance[],
  atIso: string,
): ChangeEntry[] {
  const old = new Map(before.map((i) => [i.id, i]));
  const now = new Map(after.map((i) => [i.id, i]));
  const out: ChangeEntry[] = [];
  const entry = (i: Instance, change: ChangeEntry["change"], extra: Partial<ChangeEntry> = {}) =>
    out.push({
      at: atIso,
      service: i.service,
      id: i.id,
      change,
      status: i.status,
      previous_status: null,
      source: i.source,
      address: i.address,
      reason: null,
      ...extra,
    });
  for (const i of after) {
    const was = old.get(i.id);
    if (!was) entry(i, "joined", { at: i.registered_at > atIso ? atIso : i.registered_at });
    else if (was.status !== i.status) entry(i, "status", { previous_status: was.status });
  }
  for (const i of before) {
    if (!now.has(i.id)) {
      const expired = Date.parse(i.expires_at) <= Date.parse(atIso);
      entry(i, "left", {
        reason: expired ? "expired" : null,
        at: expired ? i.expires_at : atIso,
      });
    }
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** Newest first, each change once (a poll may see what the registry also reported). */
export function mergeChanges(...lists: readonly ChangeEntry[][]): ChangeEntry[] {
  const seen = new Set<string>();
  const out: ChangeEntry[] = [];
  for (const c of lists.flat()) {
    const key = `${c.service}\u0000${c.id}\u0000${c.change}\u0000${c.at}\u0000${c.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** "joined", "left (expired)", "passing → critical". */
export function describeChange(c: ChangeEntry): string {
  if (c.change === "status") return `${c.previous_status ?? "?"} → ${c.status ?? "?"}`;
  if (c.change === "left") return c.reason ? `left (${c.reason})` : "left";
  return "joined";
}
