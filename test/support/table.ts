import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDynamoClient } from "../../shared/store/dynamodb/client.js";
import { ensureTable } from "../../shared/store/dynamodb/table.js";
import type { DynamoEngine } from "../engines/index.js";

/**
 * A new, empty table on the engine. Engines are shared by the whole run, so every test gets
 * its own table instead of cleaning up after others.
 */
export async function freshTable(
  engine: DynamoEngine,
): Promise<{ client: DynamoDBClient; tableName: string }> {
  const client = createDynamoClient({ endpoint: engine.endpoint, region: "us-east-1" });
  const tableName = `muster-test-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
  return { client, tableName };
}
