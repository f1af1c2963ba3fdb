import { type Instance, STATUSES } from "../model/instance.js";
import { type InstanceRecord, toInstance } from "./item.js";

/** A stored record that does not decode: a damaged file, or an item edited by hand. */
export interface DamagedRecord {
  /** What kind of record: `instance` or `token`. */
  kind: "instance" | "token";
  /** Its key, e.g. `web/node-1` or a token hash's first 16 characters (never the whole hash). */
  key: string;
  /** Why it does not decode, e.g. `Bad control character in string literal in JSON at …`. */
  reason: string;
}

/** Told once per damaged record an engine finds (and leaves out of every answer). */
export type DamagedRecordListener = (record: DamagedRecord) => void;

/** `listener`, told of each damaged record once (by its key and content). */
export function onceEach(
  listener: DamagedRecordListener | undefined,
): (record: DamagedRecord, content: string) => void {
  const seen = new Set<string>();
  return (record, content) => {
    const id = `${record.kind}:${record.key}\n${content}`;
    if (seen.has(id)) return;
    seen.add(id);
    listener?.(record);
  };
}

export type Decoded =
  | { ok: true; record: InstanceRecord; instance: Instance }
  | { ok: false; reason: string };

const isString = (v: unknown) => typeof v === "string";
const isTime = (v: unknown) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) < 8.64e15;
const optional = (v: unknown, check: (v: unknown) => boolean) =>
  v === undefined || v === null || check(v);
const stringArray = (v: unknown) => Array.isArray(v) && v.every(isString);
const stringMap = (v: unknown) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(isString);

/**
 * An instance record read back from an engine, checked before it is served (as at `nowMs`: a
 * check whose TTL ran out reads critical): under its own key,
 * with every field the readers rely on of the type they expect. A damaged byte inside a value
 * is not always seen (`10.0.0.1` may read `10.0.0.3`), but one that breaks the record's shape
 * or its JSON is, and such a record is then left out instead of failing its whole service.
 */
export function decodeInstanceRecord(
  value: unknown,
  key: { service: string; id: string },
  nowMs: number,
): Decoded {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "not an object" };
  }
  const r = value as Record<string, unknown>;
  const problems = [
    r.service === key.service ? undefined : "service does not match its key",
    r.id === key.id ? undefined : "id does not match its key",
    isString(r.address) ? undefined : "address",
    optional(r.owner, isString) && optional(r.source, isString) ? undefined : "owner or source",
    isTime(r.registered_at) && isTime(r.last_seen) && isTime(r.expires_at) ? undefined : "times",
    optional(r.status, (s) => (STATUSES as readonly unknown[]).includes(s)) ? undefined : "status",
    optional(r.weight, (w) => typeof w === "number" && Number.isFinite(w)) ? undefined : "weight",
    optional(r.tags, stringArray) && optional(r.direct_addresses, stringArray)
      ? undefined
      : "lists",
    optional(r.metadata, stringMap) ? undefined : "metadata",
    optional(r.checks, Array.isArray) && optional(r.status_until, isTime) ? undefined : "checks",
  ].filter((p) => p !== undefined);
  if (problems.length > 0) return { ok: false, reason: `bad ${problems.join(", ")}` };
  try {
    const record = r as unknown as InstanceRecord;
    return { ok: true, record, instance: toInstance(record, nowMs) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** The same for a record stored as JSON text (SQLite). */
export function decodeInstanceJson(
  text: string,
  key: { service: string; id: string },
  nowMs: number,
): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return decodeInstanceRecord(value, key, nowMs);
}
