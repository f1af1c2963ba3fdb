import { StoreUnavailableError } from "../store.js";

// Busy, locked, I/O error, full disk, cannot open, read-only, corrupt: the file cannot serve
// right now, which is an outage to the caller, not a bug of ours.
const UNAVAILABLE = new Set([5, 6, 8, 10, 11, 13, 14, 26]);

/**
 * Maps an error from node:sqlite to `StoreUnavailableError` when the database could not do its
 * job; anything else (a constraint, a bad statement) is ours and is returned unchanged.
 */
export function classifySqliteError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const e = (err ?? {}) as { code?: string; errcode?: number; errstr?: string };
  if (e.code === "ERR_SQLITE_ERROR" && typeof e.errcode === "number") {
    if (UNAVAILABLE.has(e.errcode & 0xff)) {
      return new StoreUnavailableError(`store failed: ${e.errstr ?? "sqlite error"}`, 2, {
        cause: err,
      });
    }
  }
  // A closed database (shutting down) cannot serve either.
  if (e.code === "ERR_INVALID_STATE") {
    return new StoreUnavailableError("store is closed", 2, { cause: err });
  }
  return err;
}
