import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  openSync,
  readFileSync,
  write,
  writeSync,
} from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { DamagedDatabaseError } from "./schema.js";

/**
 * At most one counted transaction, and one sidecar write with its sync, this often. Once per
 * commit batch they cost about 20 µs of CPU per heartbeat under load (a page more in every
 * transaction's WAL write, and a second fdatasync beside every WAL sync: 164 µs against 143 in
 * `npm run bench`). The price: a WAL cut back by less than this much goes unseen.
 */
export const COUNT_EVERY_MS = 100;

/** The sidecar's one line, padded to a fixed size so that each write replaces it whole. */
const RECORD_BYTES = 64;
const RECORD = /^muster-commits v1 ([0-9a-f]{32}) (\d{1,15})\s*$/;

/** The database's identity and the commits made to it, kept in its `meta` table. */
export interface CommitCount {
  id: string;
  commits: number;
}

/** Reads the count the database holds (meta table, made by the schema's second migration). */
export function readCommitCount(db: DatabaseSync): CommitCount {
  const rows = db.prepare("SELECT key, value FROM meta").all() as {
    key: string;
    value: string | number;
  }[];
  const get = (key: string) => rows.find((r) => r.key === key)?.value;
  return { id: String(get("id")), commits: Number(get("commits")) };
}

/** The statement each write transaction runs before its COMMIT. */
export const COUNT_COMMIT =
  "UPDATE meta SET value = value + 1 WHERE key = 'commits' RETURNING value";

/**
 * A cheap guard against a lost or truncated WAL. SQLite cannot tell a WAL cut short from one
 * that never held more: it replays what is there and serves an older registry without a word
 * (after `truncate -s 0 muster.db-wal`, acknowledged registrations are simply gone). So every
 * write transaction also counts itself in the database, and once its WAL is synced the count is
 * written to a small sidecar file, `muster.db-commits`, and synced too. At the next start a
 * database that holds fewer commits than the sidecar recorded as on disk has lost some, and is
 * refused with what to do.
 *
 * The count and the sidecar trail the WAL (a transaction is counted, and the sidecar written
 * after a sync, at most every COUNT_EVERY_MS, and no acknowledgement waits for it), so a loss
 * of only the last tenth of a second of commits can go unseen; a WAL emptied or cut back
 * further is seen.
 */
export class CommitGuard {
  readonly #path: string;
  readonly #fd: number;
  readonly #id: string;
  /** The count being written, and the latest one waiting for it to finish. */
  #writing = false;
  #next: number | undefined;
  #closed = false;
  /** When the last write began, what it wrote, and the timer holding the next one back. */
  #lastMs = Number.NEGATIVE_INFINITY;
  #written: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(path: string, fd: number, id: string) {
    this.#path = path;
    this.#fd = fd;
    this.#id = id;
  }

  /**
   * Compares the database with its sidecar and refuses a database that lost commits, then
   * records its count. `existed`: the database file was there before it was opened (a new
   * one, say after the old one was moved aside, starts a new sidecar).
   */
  static open(databasePath: string, count: CommitCount, existed: boolean): CommitGuard {
    const path = `${databasePath}-commits`;
    const recorded = existed ? readRecord(path) : undefined;
    if (recorded) {
      const accept = `Restore the data folder from a backup; or, to start with the registry as it is now, delete ${path}`;
      if (recorded.id !== count.id) {
        throw new DamagedDatabaseError(
          `${databasePath} is not the database ${path} counted: it was replaced, or the -wal file that held all of it was lost. ${accept}`,
        );
      }
      if (count.commits < recorded.commits) {
        throw new DamagedDatabaseError(
          `${databasePath} lost commits that were on disk: it holds ${count.commits} of the ${recorded.commits} recorded in ${path}, so its -wal file was lost, emptied or cut short. ${accept}`,
        );
      }
    }
    const fd = openSync(path, "w", 0o600);
    const guard = new CommitGuard(path, fd, count.id);
    writeSync(fd, guard.#record(count.commits), 0, RECORD_BYTES, 0);
    fdatasyncSync(fd);
    return guard;
  }

  /** Records `commits` as on disk (the WAL holding them is synced); off the event loop. */
  synced(commits: number): void {
    if (this.#closed || commits === this.#written) return;
    this.#next = commits;
    if (this.#writing || this.#timer) return;
    const wait = this.#lastMs + COUNT_EVERY_MS - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#write();
      }, wait);
      this.#timer.unref();
      return;
    }
    this.#write();
  }

  /** Writes the latest count and syncs it; a newer one that came meanwhile goes next. */
  #write(): void {
    const commits = this.#next;
    if (commits === undefined || this.#closed) return;
    this.#next = undefined;
    this.#writing = true;
    this.#lastMs = Date.now();
    this.#written = commits;
    write(this.#fd, this.#record(commits), 0, RECORD_BYTES, 0, (err) => {
      const done = () => {
        this.#writing = false;
        if (this.#closed) closeSync(this.#fd);
        else if (this.#next !== undefined) this.synced(this.#next);
      };
      if (err || this.#closed) return done();
      fdatasync(this.#fd, done);
    });
  }

  /** Records `commits` at once (shutdown: the WAL was just synced), then lets the file go. */
  close(commits: number): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    // A write in flight closes the descriptor when it returns; this one goes first.
    writeSync(this.#fd, this.#record(commits), 0, RECORD_BYTES, 0);
    fdatasyncSync(this.#fd);
    if (!this.#writing) closeSync(this.#fd);
  }

  #record(commits: number): Buffer {
    const line = `muster-commits v1 ${this.#id} ${commits}`;
    return Buffer.from(`${line.padEnd(RECORD_BYTES - 1)}\n`);
  }

  get path(): string {
    return this.#path;
  }
}

/** The sidecar's record, or undefined when it is missing or unreadable (nothing to compare). */
function readRecord(path: string): CommitCount | undefined {
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch {
    return undefined;
  }
  const m = RECORD.exec(text);
  return m ? { id: m[1] as string, commits: Number(m[2]) } : undefined;
}
