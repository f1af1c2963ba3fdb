import { DatabaseSync } from "node:sqlite";

/**
 * The SQLite file's layout, one migration per schema version (PRAGMA user_version). A
 * migration runs once, in a transaction with the version bump, so a crash mid-way leaves the
 * old version and the next start runs it again. Append only: never edit a released step.
 */
const MIGRATIONS: readonly string[] = [
  // 1: instances (the item as JSON, plus the columns the rules and queries use), the catalog
  // of services ever written, scoped tokens, and the reconciler's per-source state.
  `CREATE TABLE instances (
     service TEXT NOT NULL,
     id TEXT NOT NULL,
     owner TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     last_seen INTEGER NOT NULL,
     registered_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     status TEXT NOT NULL,
     item TEXT NOT NULL,
     PRIMARY KEY (service, id)
   ) WITHOUT ROWID;
   CREATE INDEX instances_expiry ON instances (expires_at);
   CREATE TABLE services (name TEXT PRIMARY KEY) WITHOUT ROWID;
   CREATE TABLE tokens (hash TEXT PRIMARY KEY, expires_at INTEGER, item TEXT NOT NULL) WITHOUT ROWID;
   CREATE INDEX tokens_expiry ON tokens (expires_at);
   CREATE TABLE reconcile_states (name TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;`,
  // 2: the database's identity and its count of write transactions, compared at start with
  // the count last recorded as on disk (commit-guard.ts), so that a lost WAL is noticed.
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
   INSERT INTO meta (key, value) VALUES ('id', lower(hex(randomblob(16)))), ('commits', 0);`,
  // 3: checks kept beside instances (the status holds until status_until), each service's
  // change index and the view its readers pinned, owners' aliases of their instances, and
  // watchers' claims (the Consul API, shared/consul).
  `ALTER TABLE instances ADD COLUMN status_until INTEGER;
   ALTER TABLE services ADD COLUMN change_index INTEGER;
   ALTER TABLE services ADD COLUMN pinned TEXT;
   CREATE TABLE aliases (
     owner TEXT NOT NULL,
     name TEXT NOT NULL,
     service TEXT NOT NULL,
     id TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (owner, name)
   ) WITHOUT ROWID;
   CREATE INDEX aliases_expiry ON aliases (expires_at);
   CREATE TABLE watch_claims (
     key TEXT PRIMARY KEY,
     idx TEXT NOT NULL,
     until INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX watch_claims_expiry ON watch_claims (expires_at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The file cannot be used as it is; the message names it and says what to do. */
export class DamagedDatabaseError extends Error {
  override readonly name = "DamagedDatabaseError";
}

/** SQLite's primary result codes that mean the file, not the query, is the problem. */
const DAMAGE_CODES = new Set([11 /* CORRUPT */, 26 /* NOTADB */]);

function primaryCode(err: unknown): number | undefined {
  const code = (err as { errcode?: number }).errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}

function damaged(path: string, detail: string): DamagedDatabaseError {
  return new DamagedDatabaseError(
    `${path} is damaged (${detail}): restore it from a backup, or move it (with its -wal and -shm files) aside to start with an empty registry`,
  );
}

/**
 * Opens (or creates) the database: WAL with a full sync, so a write is on disk when its commit
 * returns; checks its integrity before anything is served; brings the schema up to date.
 */
export function openDatabase(path: string, busyTimeoutMs = 5000): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    // Another connection (a second process in the tests) may hold the write lock briefly.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    const rows = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    if (problems.length > 0) throw damaged(path, problems.slice(0, 2).join("; "));
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof DamagedDatabaseError) throw err;
    const code = primaryCode(err);
    if (code !== undefined && DAMAGE_CODES.has(code)) {
      throw damaged(path, (err as { errstr?: string }).errstr ?? String(err));
    }
    throw err;
  }
}

function migrate(db: DatabaseSync, path: string): void {
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (version > SCHEMA_VERSION) {
    throw new DamagedDatabaseError(
      `${path} has schema version ${version}, newer than this muster knows (${SCHEMA_VERSION}): run the newer muster, or restore a backup`,
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[v] as string);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
}
