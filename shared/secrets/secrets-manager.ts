import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * A Secrets Manager client for the request path: short timeouts, as for DynamoDB, so that a
 * slow Secrets Manager costs seconds, not the function's whole timeout.
 */
export function createSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
  });
}

/** `load` for a Reloading value: the current version of one secret, by name or ARN. */
export function secretLoader(
  client: SecretsManagerClient,
  secretId: string,
): () => Promise<string> {
  return async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (out.SecretString === undefined) {
      throw new Error(`secret ${secretId} has no string value (binary secrets are not read)`);
    }
    return out.SecretString;
  };
}
