import type { DatabaseSync, StatementSync } from "node:sqlite";
import { classifySqliteError } from "./errors.js";
import { openDatabase } from "./schema.js";

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * One connection shared by the instance store, the token store and the reconciler's state.
 *
 * Writes are group-committed: every write asked for in one turn of the event loop runs in one
 * transaction (each in its own savepoint, so one failing write does not undo the others), and
 * each promise settles only after the COMMIT has been synced. A write is thus acknowledged
 * only once it is on disk, at the cost of one fsync per batch instead of one per write.
 */
export class SqliteDatabase {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #queue: PendingWrite[] = [];
  #scheduled = false;
  #closed = false;

  constructor(path: string, busyTimeoutMs = 5000) {
    this.path = path;
    this.#db = openDatabase(path, busyTimeoutMs);
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

  /** Runs a read now; SQLite's own failures become StoreUnavailableError. */
  read<T>(run: () => T): Promise<T> {
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(classifySqliteError(err));
    }
  }

  /** Queues a write for this turn's transaction; resolves once it is committed. */
  write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(classifySqliteError({ code: "ERR_INVALID_STATE" }));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      for (const op of batch) {
        this.#db.exec("SAVEPOINT w");
        try {
          outcomes.push({ ok: true, value: op.run() });
          this.#db.exec("RELEASE w");
        } catch (err) {
          this.#db.exec("ROLLBACK TO w");
          this.#db.exec("RELEASE w");
          outcomes.push({ ok: false, value: classifySqliteError(err) });
        }
      }
      this.#db.exec("COMMIT");
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      const failure = classifySqliteError(err);
      for (const op of batch) op.reject(failure);
      return;
    }
    batch.forEach((op, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.value);
    });
  }

  /** Commits what is queued, then closes; later calls answer "store is closed". */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#db.close();
  }
}
