import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";

/** Makes committed transactions durable by syncing the WAL file. */
export interface WalSync {
  /** fdatasync on libuv's thread pool; `done` runs on the event loop afterwards. */
  sync(done: (err: Error | null) => void): void;
  /** The same, blocking (shutdown). */
  syncNow(): void;
  close(): void;
}

/**
 * With `synchronous = FULL`, SQLite fsyncs the WAL inside COMMIT on the calling thread, which
 * for node:sqlite is the event loop: every request stalls for every commit's fsync. Instead
 * SQLite runs with `synchronous = NORMAL` (still safe from corruption: the WAL is synced
 * before every checkpoint and the database after) and the WAL is fdatasync'd here, off the
 * event loop, after each COMMIT; the database acknowledges a write only once that returns.
 * Whatever is acknowledged is on disk, as with FULL.
 *
 * Undefined when the database has no WAL file (in memory): SQLite keeps syncing itself.
 */
export function openWalSync(db: DatabaseSync, path: string): WalSync | undefined {
  const { journal_mode: mode } = db.prepare("PRAGMA journal_mode").get() as {
    journal_mode: string;
  };
  if (mode !== "wal") return undefined;
  const walPath = `${path}-wal`;
  // Opening the database in WAL mode (its integrity check read it) created this file; it is
  // deleted only when the last connection closes, and this one stays open until close().
  const fd = openSync(walPath, "r+");
  const inode = fstatSync(fd).ino;
  db.exec("PRAGMA synchronous = NORMAL");
  // A WAL replaced under us (by hand) would make our fdatasync a silent no-op: refuse instead.
  const replaced = (): Error | null =>
    statSync(walPath, { throwIfNoEntry: false })?.ino === inode
      ? null
      : new Error(`${walPath} was removed or replaced while in use`);
  return {
    sync(done) {
      const gone = replaced();
      if (gone) {
        queueMicrotask(() => done(gone));
        return;
      }
      fdatasync(fd, (err) => done(err));
    },
    syncNow() {
      fdatasyncSync(fd);
    },
    close() {
      closeSync(fd);
    },
  };
}
