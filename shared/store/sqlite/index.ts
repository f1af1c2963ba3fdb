import { join } from "node:path";
import type { DamagedRecordListener } from "../decode-record.js";
import type { StoreOpener } from "../store.js";
import { SqliteDatabase } from "./database.js";
import { Quarantine } from "./quarantine.js";
import { SqliteStore } from "./sqlite-store.js";
import { SqliteTokenStore } from "./token-store.js";

export { DamagedDatabaseError } from "./schema.js";
export { SqliteStore } from "./sqlite-store.js";
export { SqliteTokenStore } from "./token-store.js";

export interface SqliteRegistry {
  store: SqliteStore;
  tokens: SqliteTokenStore;
  path: string;
  /**
   * Reads every instance and token row, quarantining those that do not decode (reported to
   * `onDamaged`, left out of answers, deleted by the next write); resolves with how many.
   */
  checkRecords(): Promise<number>;
  /** Stops the sweeper, commits what is queued and closes the file. */
  close(): void;
}

export interface OpenSqliteOptions {
  /** How often expired instances and tokens are deleted; 0: never (tests call sweep). */
  sweepIntervalMs?: number;
  /** How long a write waits for another connection's lock before failing (503). Default 5 s. */
  busyTimeoutMs?: number;
  /** Told once of each row that does not decode (a damaged file). */
  onDamaged?: DamagedRecordListener;
}

/**
 * Local mode's storage: one SQLite file holding instances, scoped tokens and the reconciler's
 * state. Never imported by the Lambda functions (node:sqlite is for local mode only).
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteRegistry {
  const db = new SqliteDatabase(path, options.busyTimeoutMs ?? 5000);
  const quarantine = new Quarantine(db, options.onDamaged);
  const store = new SqliteStore(db, quarantine);
  const tokens = new SqliteTokenStore(db, quarantine);
  const interval = options.sweepIntervalMs ?? 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          const now = Date.now();
          // A failed sweep is retried next time; reads filter expired rows anyway.
          store.sweep(now).catch(() => {});
          tokens.sweep(now).catch(() => {});
        }, interval)
      : undefined;
  timer?.unref();
  return {
    store,
    tokens,
    path,
    checkRecords: async () => (await store.checkRecords()) + (await tokens.checkRecords()),
    close: () => {
      if (timer) clearInterval(timer);
      db.close();
    },
  };
}

/** The SQLite file in a data folder. */
export function databasePath(dataDir: string): string {
  return join(dataDir, "muster.db");
}

/** The engine's opener (open-store.ts): `muster.db` in the data folder. */
export const openSqliteStore: StoreOpener = async (settings) => {
  const sqlite = openSqlite(databasePath(settings.dataDir), {
    sweepIntervalMs: settings.sweepIntervalMs,
    onDamaged: settings.onDamaged,
  });
  let damaged: number;
  try {
    damaged = await sqlite.checkRecords();
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return {
    store: sqlite.store,
    tokens: sqlite.tokens,
    where: `SQLite ${sqlite.path}`,
    inDataDir: true,
    damaged,
    close: () => sqlite.close(),
  };
};
