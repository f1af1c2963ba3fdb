import { ConfigError } from "../shared/config.js";
import { isStoreKind, openStore, STORE_KINDS } from "../shared/store/open-store.js";
import type { OpenedStore } from "../shared/store/store.js";

/**
 * Local mode's storage. SQLite in the data folder by default; `MUSTER_STORE=dynamodb` uses a
 * DynamoDB table instead (the SDK's endpoint variables choose which: DynamoDB Local, a
 * DynamoDB-compatible cluster, or AWS itself), made if missing.
 */
export async function openLocalStore(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  tableName: string,
): Promise<OpenedStore> {
  const kind = env.MUSTER_STORE || "sqlite";
  if (!isStoreKind(kind)) throw new ConfigError(`MUSTER_STORE must be ${STORE_KINDS.join(" or ")}`);
  return await openStore(kind, {
    dataDir,
    tableName,
    endpoint: env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined,
  });
}
