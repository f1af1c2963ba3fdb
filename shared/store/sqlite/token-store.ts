import type { TokenItem, TokenStore } from "../store.js";
import type { SqliteDatabase } from "./database.js";
import type { Quarantine } from "./quarantine.js";

/**
 * A row's item as TokenItem: the hash from its key column. Rows written before the item lost
 * its DynamoDB keys still carry `pk` and `sk` in their JSON; they are dropped here. Throws for
 * a row that does not decode.
 */
function fromRow(row: { hash: string; item: string }): TokenItem {
  const parsed: unknown = JSON.parse(row.item);
  const p = parsed as Record<string, unknown> | null;
  if (
    typeof p !== "object" ||
    p === null ||
    typeof p.role !== "string" ||
    typeof p.fingerprint !== "string" ||
    (p.services !== undefined && !Array.isArray(p.services))
  ) {
    throw new Error("not a token item");
  }
  const {
    pk: _pk,
    sk: _sk,
    hash: _hash,
    ...rest
  } = parsed as TokenItem & {
    pk?: unknown;
    sk?: unknown;
  };
  return { ...rest, hash: row.hash };
}

/** Scoped tokens in local mode's SQLite file: the item as JSON, keyed by the token's hash. */
export class SqliteTokenStore implements TokenStore {
  readonly #db: SqliteDatabase;
  readonly #quarantine: Quarantine;

  constructor(db: SqliteDatabase, quarantine: Quarantine) {
    this.#db = db;
    this.#quarantine = quarantine;
  }

  /** The row as a token, or undefined (reported and queued for deletion): it cannot verify. */
  #decode(row: { hash: string; item: string }): TokenItem | undefined {
    try {
      return fromRow(row);
    } catch (err) {
      this.#quarantine.token(row.hash, row.item, (err as Error).message);
      return undefined;
    }
  }

  /** The start-up check for tokens (see SqliteStore.checkRecords). */
  checkRecords(): Promise<number> {
    return this.#db.read(() => {
      const before = this.#quarantine.found;
      const rows = this.#db.statement("SELECT hash, item FROM tokens").iterate() as Iterable<{
        hash: string;
        item: string;
      }>;
      for (const row of rows) this.#decode(row);
      return this.#quarantine.found - before;
    });
  }

  put(item: TokenItem): Promise<void> {
    const { hash, ...rest } = item;
    return this.#db.write(() => {
      // A plain INSERT: a second token with the same hash is refused, as in DynamoDB.
      this.#db
        .statement("INSERT INTO tokens (hash, expires_at, item) VALUES (?, ?, ?)")
        .run(hash, item.expires_at ?? null, JSON.stringify(rest));
    });
  }

  get(hash: string): Promise<TokenItem | undefined> {
    return this.#db.read(() => {
      const row = this.#db.statement("SELECT hash, item FROM tokens WHERE hash = ?").get(hash) as
        | { hash: string; item: string }
        | undefined;
      return row ? this.#decode(row) : undefined;
    });
  }

  list(idPrefix = ""): Promise<TokenItem[]> {
    return this.#db.read(() => {
      // substr, not LIKE: a prefix typed by an admin may hold % or _.
      const rows = this.#db
        .statement("SELECT hash, item FROM tokens WHERE substr(hash, 1, ?) = ? ORDER BY hash")
        .all(idPrefix.length, idPrefix) as { hash: string; item: string }[];
      return rows.map((r) => this.#decode(r)).filter((t) => t !== undefined);
    });
  }

  remove(hash: string): Promise<void> {
    return this.#db.write(() => {
      this.#db.statement("DELETE FROM tokens WHERE hash = ?").run(hash);
    });
  }

  /** Deletes tokens expired before `nowMs`; they no longer verify either way. */
  sweep(nowMs: number): Promise<number> {
    return this.#db.write(() => {
      const out = this.#db
        .statement("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= ?")
        .run(Math.floor(nowMs / 1000));
      return Number(out.changes);
    });
  }
}
