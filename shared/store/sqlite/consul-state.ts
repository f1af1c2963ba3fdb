import { changeIndexOf, pinnedOf, raisedIndex, settledIndex, unmoved } from "../change-index.js";
import type { Alias, ChangeIndex, ViewSummary, WatchClaim } from "../store.js";
import type { SqliteDatabase } from "./database.js";

/**
 * What the Consul API keeps beside the instances (shared/consul): each service's change index
 * and pinned view (columns of `services`), owners' aliases and watchers' claims. Functions over
 * the shared connection, as reconcile-states.ts; the writes run inside SqliteDatabase.write.
 */

type IndexRow = { change_index: number | null; pinned: string | null };

function fromRow(row: IndexRow | undefined): ChangeIndex {
  return changeIndexOf(
    row?.change_index ?? undefined,
    row?.pinned ? (JSON.parse(row.pinned) as Parameters<typeof changeIndexOf>[1]) : undefined,
  );
}

export function readChangeIndex(db: SqliteDatabase, service: string): ChangeIndex {
  const row = db
    .statement("SELECT change_index, pinned FROM services WHERE name = ?")
    .get(service) as IndexRow | undefined;
  return fromRow(row);
}

export function readChangeIndexes(db: SqliteDatabase): Map<string, ChangeIndex> {
  const rows = db
    .statement("SELECT name, change_index, pinned FROM services")
    .all() as (IndexRow & {
    name: string;
  })[];
  return new Map(rows.map((r) => [r.name, fromRow(r)]));
}

/** Call inside SqliteDatabase.write, after the write readers must see. */
export function raiseChangeIndex(db: SqliteDatabase, service: string): void {
  const row = db.statement("SELECT change_index FROM services WHERE name = ?").get(service) as
    | { change_index: number | null }
    | undefined;
  if (!row) return;
  db.statement("UPDATE services SET change_index = ? WHERE name = ?").run(
    raisedIndex(row.change_index ?? undefined),
    service,
  );
}

/** Call inside SqliteDatabase.write. */
export function settleChangeIndex(
  db: SqliteDatabase,
  service: string,
  seen: ChangeIndex,
  view: ViewSummary,
): ChangeIndex | undefined {
  if (!unmoved(readChangeIndex(db, service), seen)) return undefined;
  const next = settledIndex(seen, view);
  db.statement("INSERT OR IGNORE INTO services (name) VALUES (?)").run(service);
  db.statement("UPDATE services SET change_index = ?, pinned = ? WHERE name = ?").run(
    next.index,
    JSON.stringify(pinnedOf(next)),
    service,
  );
  return next;
}

export function writeAlias(db: SqliteDatabase, alias: Alias): void {
  db.statement(
    "INSERT OR REPLACE INTO aliases (owner, name, service, id, expires_at) VALUES (?, ?, ?, ?, ?)",
  ).run(alias.owner, alias.name, alias.service, alias.id, alias.expiresAt);
}

export function readAlias(
  db: SqliteDatabase,
  owner: string,
  name: string,
  nowMs: number,
): Alias | undefined {
  const row = db
    .statement(
      "SELECT service, id, expires_at FROM aliases WHERE owner = ? AND name = ? AND expires_at > ?",
    )
    .get(owner, name, Math.floor(nowMs / 1000)) as
    | { service: string; id: string; expires_at: number }
    | undefined;
  return row && { owner, name, service: row.service, id: row.id, expiresAt: row.expires_at };
}

export function removeAlias(db: SqliteDatabase, owner: string, name: string): void {
  db.statement("DELETE FROM aliases WHERE owner = ? AND name = ?").run(owner, name);
}

/** Call inside SqliteDatabase.write: the same decision DynamoDB's conditional write makes. */
export function claimWatch(
  db: SqliteDatabase,
  claim: WatchClaim,
): { ok: true } | { ok: false; retryAfterMs: number } {
  const row = db.statement("SELECT idx, until FROM watch_claims WHERE key = ?").get(claim.key) as
    | { idx: string; until: number }
    | undefined;
  if (row && row.idx === claim.index && row.until > claim.nowMs) {
    return { ok: false, retryAfterMs: row.until - claim.nowMs };
  }
  db.statement(
    "INSERT OR REPLACE INTO watch_claims (key, idx, until, expires_at) VALUES (?, ?, ?, ?)",
  ).run(claim.key, claim.index, claim.untilMs, Math.ceil(claim.untilMs / 1000) + 60);
  return { ok: true };
}

/** Deletes aliases and claims past their end (the sweep; DynamoDB's TTL does it there). */
export function sweepConsulState(db: SqliteDatabase, nowMs: number): number {
  const nowS = Math.floor(nowMs / 1000);
  const a = db.statement("DELETE FROM aliases WHERE expires_at <= ?").run(nowS);
  const c = db.statement("DELETE FROM watch_claims WHERE expires_at <= ?").run(nowS);
  return Number(a.changes) + Number(c.changes);
}
