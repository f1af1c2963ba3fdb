import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsumedCapacity, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { onTestFinished } from "vitest";
import { DynamoStore, type DynamoStoreOptions } from "../../shared/store/dynamo-store.js";
import { openSqlite } from "../../shared/store/sqlite/index.js";
import type { Store } from "../../shared/store/store.js";
import { type TokenStore, TokenTable } from "../../shared/store/token-table.js";
import type { Engine } from "../engines/index.js";
import { freshTable } from "./table.js";

export type StoreOptions = Partial<Omit<DynamoStoreOptions, "client" | "tableName">>;

export interface TestStorage {
  store: Store;
  tokens: TokenStore;
  /** Only on DynamoDB engines: the raw client and the fresh table's name. */
  client?: DynamoDBClient;
  tableName?: string;
  /** Only on SQLite: the database file. */
  path?: string;
  /**
   * The same storage as another process sees it (another Lambda container, another
   * connection to the file): its own memory, its own caches.
   */
  another(options?: StoreOptions): { store: Store; tokens: TokenStore };
}

/**
 * A fresh, empty store on the engine. SQLite: a new file in a temporary folder, closed and
 * deleted when the test ends. DynamoDB: a new table on the run's engine. `onConsumedCapacity`
 * is reported on SQLite too, with one unit per committed write, so write-counting tests run
 * on both.
 */
export async function freshStorage(
  engine: Engine,
  options: StoreOptions = {},
): Promise<TestStorage> {
  if (engine.name !== "sqlite") {
    const { client, tableName } = await freshTable(engine);
    const make = (o: StoreOptions = {}) => ({
      store: new DynamoStore({ client, tableName, ...o }),
      tokens: new TokenTable(client, tableName),
    });
    return { ...make(options), client, tableName, another: make };
  }
  const dir = mkdtempSync(join(tmpdir(), "muster-sqlite-"));
  const path = join(dir, "muster.db");
  const opened: { close(): void }[] = [];
  const make = (o: StoreOptions = {}) => {
    const report = o.onConsumedCapacity;
    const unit: ConsumedCapacity = { CapacityUnits: 1, WriteCapacityUnits: 1 };
    const registry = openSqlite(path, {
      sweepIntervalMs: 0,
      ...(report ? { onWrite: (operation: string) => report(operation, unit) } : {}),
    });
    opened.push(registry);
    return { store: registry.store, tokens: registry.tokens };
  };
  const first = make(options);
  try {
    onTestFinished(() => {
      for (const r of opened) r.close();
      rmSync(dir, { recursive: true, force: true });
    });
  } catch {
    // Called outside a test (beforeAll): the OS's temporary folder keeps the file.
  }
  return { ...first, path, another: make };
}
