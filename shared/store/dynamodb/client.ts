import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface ClientOptions {
  /** Overrides `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL`; used for embedded engines. */
  endpoint?: string;
  region?: string;
  /** Attempts per call, the first included. Default 3 (the SDK's standard retry mode). */
  maxAttempts?: number;
  /** Per-request timeout in ms. Default 3000: a heartbeat should fail fast, not hang. */
  requestTimeoutMs?: number;
  /** Embedded engines accept any; left unset, the SDK's default chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * A DynamoDB client tuned for a request path: short timeouts so a dead store turns into a
 * 503 within seconds rather than after the SDK's default of no timeout at all.
 */
export function createDynamoClient(options: ClientOptions = {}): DynamoDBClient {
  const config: DynamoDBClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: Math.min(1000, options.requestTimeoutMs ?? 3000),
      requestTimeout: options.requestTimeoutMs ?? 3000,
      // Without it the SDK only logs a warning and the request keeps hanging.
      throwOnRequestTimeout: true,
    },
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.region) config.region = options.region;
  if (options.credentials) config.credentials = options.credentials;
  return new DynamoDBClient(config);
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      // A metadata map whose keys include `constructor` does not look like a plain object to
      // the marshaller (its `constructor` is a string); without this it throws instead of
      // writing the map.
      convertClassInstanceToMap: true,
    },
  });
}
