import type { TokenItem, TokenStore } from "../token-table.js";
import type { SqliteDatabase } from "./database.js";

/** Scoped tokens in local mode's SQLite file: the item as JSON, keyed by the token's hash. */
export class SqliteTokenStore implements TokenStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  put(item: TokenItem): Promise<void> {
    return this.#db.write(() => {
      // A plain INSERT: a second token with the same hash is refused, as in DynamoDB.
      this.#db
        .statement("INSERT INTO tokens (hash, expires_at, item) VALUES (?, ?, ?)")
        .run(item.sk, item.expires_at ?? null, JSON.stringify(item));
    });
  }

  get(hash: string): Promise<TokenItem | undefined> {
    return this.#db.read(() => {
      const row = this.#db.statement("SELECT item FROM tokens WHERE hash = ?").get(hash) as
        | { item: string }
        | undefined;
      return row ? (JSON.parse(row.item) as TokenItem) : undefined;
    });
  }

  list(idPrefix = ""): Promise<TokenItem[]> {
    return this.#db.read(() => {
      // substr, not LIKE: a prefix typed by an admin may hold % or _.
      const rows = this.#db
        .statement("SELECT item FROM tokens WHERE substr(hash, 1, ?) = ? ORDER BY hash")
        .all(idPrefix.length, idPrefix) as { item: string }[];
      return rows.map((r) => JSON.parse(r.item) as TokenItem);
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
