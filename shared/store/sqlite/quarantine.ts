import type { DamagedRecordListener } from "../decode-record.js";
import type { SqliteDatabase } from "./database.js";

const TABLES = {
  instance: {
    remove: "DELETE FROM instances WHERE service = ? AND id = ? AND item = ?",
  },
  token: { remove: "DELETE FROM tokens WHERE hash = ? AND item = ?" },
} as const;

/**
 * Rows that do not decode (a damaged page, a byte of JSON changed on disk): reported once,
 * left out of every answer by the reader that found them, and deleted by the next write
 * transaction, on the condition that the row still holds the same damaged bytes (a heartbeat
 * that rewrote it meanwhile wins). Until then a reader that meets the row again skips it
 * without reporting it again.
 */
export class Quarantine {
  readonly #db: SqliteDatabase;
  readonly #onDamaged: DamagedRecordListener | undefined;
  /** Rows whose deletion is queued: met again meanwhile, they are only skipped. */
  readonly #pending = new Set<string>();
  /** Rows (with their damaged bytes) already reported, so a retried deletion is not news. */
  readonly #reported = new Set<string>();
  #found = 0;

  constructor(db: SqliteDatabase, onDamaged: DamagedRecordListener | undefined) {
    this.#db = db;
    this.#onDamaged = onDamaged;
  }

  /** Damaged rows found since the file was opened. */
  get found(): number {
    return this.#found;
  }

  /** An instance row that does not decode; `removed` runs once it is deleted. */
  instance(service: string, id: string, item: string, reason: string, removed: () => void): void {
    this.#hold("instance", `${service}/${id}`, item, reason, [service, id, item], removed);
  }

  /** A token row that does not decode; named by its hash's first 16 characters in the report. */
  token(hash: string, item: string, reason: string): void {
    this.#hold("token", hash.slice(0, 16), item, reason, [hash, item], () => {});
  }

  #hold(
    kind: keyof typeof TABLES,
    key: string,
    item: string,
    reason: string,
    params: string[],
    removed: () => void,
  ): void {
    const id = `${kind}:${key}`;
    if (this.#pending.has(id)) return;
    this.#pending.add(id);
    const report = `${id}\n${item}`;
    if (!this.#reported.has(report)) {
      this.#reported.add(report);
      this.#found++;
      this.#onDamaged?.({ kind, key, reason });
    }
    this.#db
      .write(() => this.#db.statement(TABLES[kind].remove).run(...params))
      .then(
        () => {
          this.#reported.delete(report);
          removed();
        },
        // Still left out of answers; the next reader to meet it queues the deletion again.
        () => {},
      )
      .finally(() => this.#pending.delete(id));
  }
}
