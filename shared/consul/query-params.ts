import { parseGoDuration } from "./go-duration.js";

/**
 * The query parameters of Consul's reads, read as Consul's agent reads them (agent/http.go,
 * agent/health_endpoint.go), with the texts of its 400s. Pure: the routes hand in the parsed URL.
 */

/** Consul's `default_query_time` and `max_query_time`. */
export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;
/** The jitter Consul adds to a blocking query's wait: up to a sixteenth of it (JitterFraction). */
export const JITTER_FRACTION = 16;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface WaitBounds {
  defaultMs: number;
  maxMs: number;
}

/**
 * How long a blocking query may hold: `?wait` in Go's syntax (`120000ms`, `2s`, `5m`), none or
 * a value ≤ 0 meaning the default, capped at the maximum, plus `[0, wait/16)` of jitter so that
 * watchers started together do not all time out together. A deployment may lower both bounds
 * (Lambda's request time).
 */
export function blockingWait(
  raw: string | null | undefined,
  bounds: WaitBounds = { defaultMs: DEFAULT_WAIT_MS, maxMs: MAX_WAIT_MS },
  random: () => number = Math.random,
): Parsed<number> {
  let ms = bounds.defaultMs;
  if (raw !== null && raw !== undefined && raw !== "") {
    const parsed = parseGoDuration(raw);
    if (parsed === undefined) return { ok: false, message: "Invalid wait time" };
    if (parsed > 0) ms = parsed;
  }
  ms = Math.min(ms, bounds.maxMs);
  return { ok: true, value: ms + Math.floor(random() * (ms / JITTER_FRACTION)) };
}

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * `?index`: absent or empty means "answer at once"; otherwise a uint64 in decimal, as Go's
 * strconv.ParseUint reads it (digits only: no sign, no spaces, no underscores).
 */
export function blockingIndex(raw: string | null | undefined): Parsed<bigint | undefined> {
  if (raw === null || raw === undefined || raw === "") return { ok: true, value: undefined };
  if (!/^[0-9]+$/.test(raw)) return { ok: false, message: "Invalid index" };
  const value = BigInt(raw);
  if (value > UINT64_MAX) return { ok: false, message: "Invalid index" };
  return { ok: true, value };
}

/**
 * `?passing` in all its spellings: present and empty (`?passing`) is true, otherwise Go's
 * strconv.ParseBool (1 t T TRUE true True, 0 f F FALSE false False); anything else is a 400.
 * The repeated parameter's first value counts, as url.Values.Get reads it.
 */
export function passingParam(values: readonly string[]): Parsed<boolean> {
  if (values.length === 0) return { ok: true, value: false };
  const v = values[0] ?? "";
  if (v === "" || ["1", "t", "T", "TRUE", "true", "True"].includes(v)) {
    return { ok: true, value: true };
  }
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return { ok: true, value: false };
  return { ok: false, message: "Invalid value for ?passing" };
}

/**
 * Every `?tag`: an instance must carry all of them, compared without regard to case as Consul's
 * state store does (serviceTagsFilter lower-cases both sides).
 */
export function hasTags(instanceTags: readonly string[], wanted: readonly string[]): boolean {
  const have = new Set(instanceTags.map((t) => t.toLowerCase()));
  return wanted.every((t) => have.has(t.toLowerCase()));
}

/**
 * `?node-meta=key:value` pairs (repeatable), split at the first colon; a pair without one
 * wants the key with an empty value.
 */
export function nodeMetaParam(values: readonly string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of values) {
    const at = raw.indexOf(":");
    if (at < 0) pairs[raw] = "";
    else pairs[raw.slice(0, at)] = raw.slice(at + 1);
  }
  return pairs;
}

/**
 * The token of a request, where Consul looks for it and in its order: `?token=`, then
 * `X-Consul-Token`, then `Authorization: Bearer <token>` (scheme in any case, the first word
 * after it). Undefined when none is given.
 */
export function consulToken(
  query: { get(name: string): string | null },
  header: (name: string) => string | null | undefined,
): string | undefined {
  const fromQuery = query.get("token");
  if (fromQuery) return fromQuery;
  const consul = header("X-Consul-Token");
  if (consul) return consul;
  const auth = header("Authorization");
  if (!auth) return undefined;
  const parts = auth.split(" ");
  if (parts.length < 2 || parts[0]?.toLowerCase() !== "bearer") return undefined;
  const token = parts.slice(1).join(" ").trim().split(" ")[0]?.trim();
  return token || undefined;
}
