import { isNetworkFailure, whyUnreachable } from "../shared/net/why-unreachable.js";
import { Env } from "../shared/settings/names.js";
import { ConfigError } from "../shared/settings/read.js";
import type { DamagedRecordListener } from "../shared/store/decode-record.js";
import { isStoreKind, openStore, STORE_KINDS } from "../shared/store/open-store.js";
import type { OpenedStore } from "../shared/store/store.js";

/**
 * Local mode's storage, by `kind` (MUSTER_STORE): SQLite in the data folder by default;
 * `dynamodb` uses a DynamoDB table instead (the SDK's endpoint variables choose which:
 * DynamoDB Local, a DynamoDB-compatible cluster, or AWS itself), made if missing.
 */
export async function openLocalStore(
  kind: string,
  dataDir: string,
  tableName: string,
  onDamaged?: DamagedRecordListener,
): Promise<OpenedStore> {
  if (!isStoreKind(kind)) {
    throw ConfigError.invalid([`${Env.MUSTER_STORE}: must be ${STORE_KINDS.join(" or ")}`]);
  }
  // The SDK reads its endpoint from the process's environment: say the one it uses.
  const endpoint =
    process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL || undefined;
  try {
    return await openStore(kind, { dataDir, tableName, endpoint, onDamaged });
  } catch (err) {
    if (kind !== "dynamodb" || !isNetworkFailure(err)) throw err;
    const where = endpoint ?? "AWS";
    const url = endpoint ?? "https://dynamodb.amazonaws.com";
    throw new ConfigError(
      `cannot reach DynamoDB at ${where}: ${whyUnreachable(err, url, { what: "DynamoDB" })}`,
    );
  }
}
