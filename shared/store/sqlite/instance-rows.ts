import type { Status } from "../../model/instance.js";
import { INSTANCE_ID } from "../../model/names.js";
import { statusAt } from "../checks.js";
import { isLive } from "../item.js";
import type { Holder } from "../rules.js";
import { InvalidCursorError } from "../store.js";

/** The `instances` table's rows as the store reads them, and the SQL it reads and writes them with. */
export type Row = Holder & {
  registered_at: number;
  item: string;
  status: Status;
  status_until: number | null;
};

export const SELECT_ONE =
  "SELECT owner, content_hash, last_seen, registered_at, expires_at, status, status_until, item FROM instances WHERE service = ? AND id = ?";
/** What the rules read of the row a write would replace: not the item, read for nothing. */
export const SELECT_HOLDER =
  "SELECT owner, content_hash, last_seen, registered_at, expires_at, status, status_until FROM instances WHERE service = ? AND id = ?";
export const UPSERT =
  "INSERT OR REPLACE INTO instances (service, id, owner, content_hash, last_seen, registered_at, expires_at, status, status_until, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
export const DELETE_ONE = "DELETE FROM instances WHERE service = ? AND id = ?";

export const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const nowSeconds = (nowMs: number) => Math.floor(nowMs / 1000);

/**
 * Whether a write over `current` changes what readers of the service must be told at once
 * (store.ts ChangeIndex): a creation, or another status.
 */
export function changesStatus(
  current: Omit<Row, "item"> | undefined,
  status: Status,
  nowMs: number,
): boolean {
  if (!current || !isLive(current, nowMs)) return true;
  return (
    statusAt({ status: current.status, status_until: current.status_until ?? undefined }, nowMs) !==
    status
  );
}

const CURSOR_PREFIX = "after:";

/** A page's cursor: the last id, tagged, in base64url (opaque to clients). */
export function encodeCursor(id: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString("base64url");
}

/** The id a cursor names; InvalidCursorError for anything this registry did not hand out. */
export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString()
    : "";
  const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : "";
  if (!INSTANCE_ID.test(id) || Buffer.from(text).toString("base64url") !== cursor) {
    throw new InvalidCursorError("not a cursor this registry handed out");
  }
  return id;
}
