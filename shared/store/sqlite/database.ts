import { existsSync } from "node:fs";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StoreUnavailableError } from "../store.js";
import { COUNT_COMMIT, COUNT_EVERY_MS, CommitGuard, readCommitCount } from "./commit-guard.js";
import { classifySqliteError } from "./errors.js";
import { openDatabase } from "./schema.js";
import { openWalSync, type WalSync } from "./wal-sync.js";

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: boolean; value: unknown };

/**
 * One connection shared by the instance store, the token store and the reconciler's state.
 *
 * Writes are group-committed: every write asked for while the previous batch is being synced
 * runs in the next transaction (each in its own savepoint, so one failing write does not undo
 * the others), and each promise settles only after that transaction is on disk. The sync runs
 * off the event loop (wal-sync.ts), so requests keep being parsed and answered meanwhile and
 * the next batch fills up; one sync is in flight at a time.
 *
 * Reads never see a write before it is durable: a read asked for while a committed batch is
 * being synced runs as soon as the sync is done, before the next batch commits.
 */
export class SqliteDatabase {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /** Undefined when SQLite syncs each COMMIT itself (no WAL file: an in-memory database). */
  readonly #wal: WalSync | undefined;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  /** A committed batch whose sync has not finished. */
  #syncing = false;
  #waitingReads: (() => void)[] = [];
  /** Set when a sync failed: what is on disk is unknown, so nothing more is served. */
  #failed: StoreUnavailableError | undefined;
  #closed = false;
  /** Undefined without a WAL (nothing to lose); else the count of committed transactions. */
  readonly #guard: CommitGuard | undefined;
  #commits = 0;
  /** When a transaction was last counted (commit-guard.ts: at most every COUNT_EVERY_MS). */
  #countedMs = Number.NEGATIVE_INFINITY;

  constructor(path: string, busyTimeoutMs = 5000) {
    this.path = path;
    const existed = existsSync(path);
    this.#db = openDatabase(path, busyTimeoutMs);
    try {
      this.#wal = openWalSync(this.#db, path);
      if (this.#wal) {
        const count = readCommitCount(this.#db);
        this.#commits = count.commits;
        this.#guard = CommitGuard.open(path, count, existed);
      }
    } catch (err) {
      this.#wal?.close();
      this.#db.close();
      throw err;
    }
  }

  /** A prepared statement, made once per SQL text. */
  statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Changes whenever another connection commits to the file (never for our own commits). */
  dataVersion(): number {
    return (this.statement("PRAGMA data_version").get() as { data_version: number }).data_version;
  }

  /** Runs a read once nothing unsynced is visible; SQLite's failures become StoreUnavailableError. */
  read<T>(run: () => T): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (!this.#syncing) return this.#runRead(run);
    return new Promise<T>((resolve, reject) => {
      this.#waitingReads.push(() => this.#runRead(run).then(resolve, reject));
    });
  }

  #runRead<T>(run: () => T): Promise<T> {
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(classifySqliteError(err));
    }
  }

  /** Queues a write for the next transaction; resolves once it is committed and synced. */
  write<T>(run: () => T): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(classifySqliteError({ code: "ERR_INVALID_STATE" }));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#syncing || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Not at once: the writes of this turn of the event loop join the same transaction.
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#closed) this.#flush();
    });
  }

  /** Commits the queued writes; returns the batch and outcomes, or undefined if it failed. */
  #commit(): { batch: PendingWrite[]; outcomes: Outcome[] } | undefined {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return undefined;
    const outcomes: Outcome[] = [];
    // Prepared once: parsing these texts again for every write was measurable.
    const sql = (text: string) => this.statement(text).run();
    try {
      sql("BEGIN IMMEDIATE");
      for (const op of batch) {
        sql("SAVEPOINT w");
        try {
          outcomes.push({ ok: true, value: op.run() });
          sql("RELEASE w");
        } catch (err) {
          sql("ROLLBACK TO w");
          sql("RELEASE w");
          outcomes.push({ ok: false, value: classifySqliteError(err) });
        }
      }
      // Counted in the same transaction: the count is on disk exactly when the writes are.
      // Read back, not kept here: another connection to the file (a test's) counts too.
      const nowMs = Date.now();
      const counts = this.#guard !== undefined && nowMs - this.#countedMs >= COUNT_EVERY_MS;
      const counted = counts && (this.statement(COUNT_COMMIT).get() as { value: number });
      sql("COMMIT");
      if (counted) {
        this.#commits = Number(counted.value);
        this.#countedMs = nowMs;
      }
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      const failure = classifySqliteError(err);
      for (const op of batch) op.reject(failure);
      return undefined;
    }
    return { batch, outcomes };
  }

  #flush(): void {
    const committed = this.#commit();
    if (!committed) {
      this.#schedule();
      return;
    }
    const wal = this.#wal;
    if (!wal) {
      settle(committed.batch, committed.outcomes);
      return;
    }
    this.#syncing = true;
    wal.sync((err) => {
      this.#syncing = false;
      if (err && !this.#closed) this.#fail(err);
      if (!this.#failed && !this.#closed) this.#guard?.synced(this.#commits);
      // After close() the file was synced there, whatever this call says.
      if (this.#failed && !this.#closed) {
        for (const op of committed.batch) op.reject(this.#failed);
      } else {
        settle(committed.batch, committed.outcomes);
      }
      for (const read of this.#waitingReads.splice(0)) read();
      if (this.#closed) wal.close();
      else this.#schedule();
    });
  }

  #fail(err: unknown): void {
    this.#failed = new StoreUnavailableError(
      `store failed: syncing ${this.path} to disk failed (${(err as Error).message}); restart muster`,
      60,
      { cause: err },
    );
    for (const op of this.#queue.splice(0)) op.reject(this.#failed);
  }

  /** Commits and syncs what is queued, then closes; later calls answer "store is closed". */
  close(): void {
    if (this.#closed) return;
    const committed = this.#commit();
    this.#wal?.syncNow();
    if (!this.#failed) this.#guard?.close(this.#commits);
    if (committed) settle(committed.batch, committed.outcomes);
    this.#closed = true;
    for (const read of this.#waitingReads.splice(0)) read();
    this.#db.close();
    // A sync still in flight closes the WAL's descriptor when it returns.
    if (!this.#syncing) this.#wal?.close();
  }
}

function settle(batch: PendingWrite[], outcomes: Outcome[]): void {
  batch.forEach((op, i) => {
    const outcome = outcomes[i] as Outcome;
    if (outcome.ok) op.resolve(outcome.value);
    else op.reject(outcome.value);
  });
}
