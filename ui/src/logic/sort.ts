import type { Instance, Status } from "../types.js";

export const SORT_KEYS = [
  "id",
  "address",
  "status",
  "source",
  "registered",
  "last_seen",
  "lease",
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = "ascending" | "descending";

/** Worst first when ascending: the order an operator looks for trouble in. */
const STATUS_RANK: Record<Status, number> = { critical: 0, warning: 1, passing: 2 };

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Host (numerically for IPv4) then port: 10.0.0.9 before 10.0.0.10. */
export function compareAddresses(a: string, b: string): number {
  const split = (s: string) => {
    const m = /^(.*):(\d+)$/.exec(s);
    return { host: m?.[1] ?? s, port: Number(m?.[2] ?? 0) };
  };
  const x = split(a);
  const y = split(b);
  const v4 = (h: string) =>
    /^\d{1,3}(\.\d{1,3}){3}$/.test(h) ? h.split(".").map(Number) : undefined;
  const p = v4(x.host);
  const q = v4(y.host);
  if (p && q) {
    for (let k = 0; k < 4; k++) {
      const d = (p[k] ?? 0) - (q[k] ?? 0);
      if (d !== 0) return d;
    }
  } else if (x.host !== y.host) {
    return text(x.host, y.host);
  }
  return x.port - y.port;
}

function compare(key: SortKey, a: Instance, b: Instance): number {
  switch (key) {
    case "id":
      return text(a.id, b.id);
    case "address":
      return compareAddresses(a.address, b.address);
    case "status":
      return STATUS_RANK[a.status] - STATUS_RANK[b.status];
    case "source":
      return text(a.source, b.source);
    case "registered":
      return Date.parse(a.registered_at) - Date.parse(b.registered_at);
    case "last_seen":
      return Date.parse(a.last_seen) - Date.parse(b.last_seen);
    case "lease":
      return Date.parse(a.expires_at) - Date.parse(b.expires_at);
  }
}

/** A sorted copy; ties keep id order, so the table does not shuffle as it refreshes. */
export function sortInstances(
  instances: readonly Instance[],
  key: SortKey,
  direction: SortDirection,
): Instance[] {
  const sign = direction === "ascending" ? 1 : -1;
  return [...instances].sort((a, b) => sign * compare(key, a, b) || text(a.id, b.id));
}
