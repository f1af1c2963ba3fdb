import { join } from "node:path";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import { createDynamoClient } from "../shared/store/client.js";
import { DynamoStore } from "../shared/store/dynamo-store.js";
import { openSqlite } from "../shared/store/sqlite/index.js";
import type { Store } from "../shared/store/store.js";
import { ensureTable } from "../shared/store/table.js";
import { type TokenStore, TokenTable } from "../shared/store/token-table.js";

export interface LocalStore {
  store: Store;
  tokens: TokenStore;
  /** For the listening line: what the registry is stored in. */
  where: string;
  close(): void;
}

/** The SQLite file in the data folder. */
export function databasePath(dataDir: string): string {
  return join(dataDir, "muster.db");
}

/**
 * Local mode's storage, by `kind` (MUSTER_STORE): SQLite in the data folder by default;
 * `dynamodb` uses a DynamoDB table instead (the SDK's endpoint variables choose which:
 * DynamoDB Local, a DynamoDB-compatible cluster, or AWS itself), made if missing.
 */
export async function openLocalStore(
  kind: string,
  dataDir: string,
  tableName: string,
): Promise<LocalStore> {
  if (kind === "sqlite") {
    const sqlite = openSqlite(databasePath(dataDir));
    return {
      store: sqlite.store,
      tokens: sqlite.tokens,
      where: `SQLite ${sqlite.path}`,
      close: () => sqlite.close(),
    };
  }
  if (kind !== "dynamodb")
    throw ConfigError.invalid([`${Env.MUSTER_STORE}: must be sqlite or dynamodb`]);
  const client = createDynamoClient();
  await ensureTable(client, tableName);
  // The SDK reads its endpoint from the process's environment: say the one it uses.
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL || "AWS";
  return {
    store: new DynamoStore({ client, tableName }),
    tokens: new TokenTable(client, tableName),
    where: `DynamoDB table ${tableName} at ${endpoint}`,
    close: () => client.destroy(),
  };
}
