import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";

/**
 * The one table muster uses. The CDK stack declares the same shape; this function exists for
 * local mode and tests, where nobody else creates it.
 */
export const TABLE_KEYS = { partition: "pk", sort: "sk", ttl: "expires_at" } as const;

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partition, AttributeType: "S" },
          { AttributeName: TABLE_KEYS.sort, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partition, KeyType: "HASH" },
          { AttributeName: TABLE_KEYS.sort, KeyType: "RANGE" },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  // The waiter's default first delay is 20 s. Embedded engines are ACTIVE a moment after
  // CreateTable (some flip the status on a timer, so the first describe may still say
  // CREATING): poll from a tenth of a second, backing off to a few seconds for real DynamoDB.
  await waitUntilTableExists(
    { client, maxWaitTime: 60, minDelay: 0.1, maxDelay: 5 },
    { TableName: tableName },
  );
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttl, Enabled: true },
      }),
    );
  } catch (err) {
    // Asking twice is an error on real DynamoDB ("TimeToLive is already enabled"); some
    // compatible engines do not implement TTL at all. Reads filter on expires_at either way, so TTL is only
    // housekeeping and its absence is never a correctness problem.
    const name = (err as { name?: string }).name;
    if (name !== "ValidationException" && name !== "UnknownOperationException") throw err;
  }
}
