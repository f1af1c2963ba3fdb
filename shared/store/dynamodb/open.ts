import type { StoreOpener } from "../store.js";
import { createDynamoClient } from "./client.js";
import { DynamoStore } from "./store.js";
import { ensureTable } from "./table.js";
import { TokenTable } from "./token-table.js";

/**
 * The engine's opener (open-store.ts): a DynamoDB table, made if missing, at the settings'
 * endpoint or the SDK's (DynamoDB Local, a DynamoDB-compatible cluster, or AWS itself). The
 * Lambda functions make their DynamoStore themselves: their table is the stack's, never made
 * here, and their bundles must not reach the other engines through the registry.
 */
export const openDynamoStore: StoreOpener = async (settings) => {
  const { tableName, endpoint, region } = settings;
  const client = createDynamoClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
  });
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return {
    store: new DynamoStore({
      client,
      tableName,
      queryPageLimit: settings.pageLimit,
      onDamaged: settings.onDamaged,
    }),
    tokens: new TokenTable(client, tableName),
    where: `DynamoDB table ${tableName} at ${endpoint || "AWS"}`,
    inDataDir: false,
    close: () => client.destroy(),
  };
};
