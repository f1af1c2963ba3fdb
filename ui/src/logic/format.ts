import type { Instance } from "../types.js";

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago"; "in …" for the future. */
export function relativeTime(atMs: number, nowMs: number): string {
  const delta = Math.round((nowMs - atMs) / 1000);
  const ago = delta >= 0;
  const s = Math.abs(delta);
  if (s < 2) return "just now";
  const span =
    s < 60
      ? `${s} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min`
        : s < 86_400
          ? `${Math.floor(s / 3600)} h`
          : `${Math.floor(s / 86_400)} d`;
  return ago ? `${span} ago` : `in ${span}`;
}

/** A whole number of seconds as "45 s", "2 min 5 s", "1 h 3 min", "2 d 4 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)} h ${m} min` : `${Math.floor(s / 3600)} h`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return h ? `${Math.floor(s / 86_400)} d ${h} h` : `${Math.floor(s / 86_400)} d`;
}

/**
 * What is left of an instance's lease at `nowMs`: seconds, and the fraction of the lease its
 * last heartbeat granted (last_seen to expires_at), between 0 and 1.
 */
export function leaseLeft(i: Pick<Instance, "last_seen" | "expires_at">, nowMs: number) {
  const end = Date.parse(i.expires_at);
  const start = Date.parse(i.last_seen);
  const seconds = Math.max(0, (end - nowMs) / 1000);
  const length = (end - start) / 1000;
  const fraction = length > 0 ? Math.min(1, seconds / length) : 0;
  return { seconds: Math.floor(seconds), fraction };
}

/** "3 passing · 1 critical": the non-zero counts, in the order of concern. */
export function statusLine(counts: { passing: number; warning: number; critical: number }) {
  const parts = (["critical", "warning", "passing"] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`);
  return parts.length ? parts.join(" · ") : "none";
}

/** Sources by count, largest first, then by name: [["heartbeat", 3], ["ec2", 1]]. */
export function sourcesByCount(sources: Record<string, number>): [string, number][] {
  return Object.entries(sources)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

/** The server's clock minus ours, from a response's Date header (0 without one). */
export function clockSkew(dateHeader: string | null, localNowMs: number): number {
  const server = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  return Number.isNaN(server) ? 0 : server - localNowMs;
}
