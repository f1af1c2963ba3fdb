import {
  CreateSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { secretLoader } from "../../shared/secrets/secrets-manager.js";
import { engine as dynamoEngine, motoEndpoint } from "../engines/index.js";
import { httpEvent, loadApiHandler as loadHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";

const get = (path: string, token: string) => httpEvent({ method: "GET", path, token });

// Tokens kept in Secrets Manager (moto's), read by shared/auth/secret-tokens.ts and by
// functions/api.ts when MUSTER_TOKENS is empty.

const TOKEN = "secret-token-0123456789abcdef";
let client: SecretsManagerClient;
let tokensArn: string;
beforeAll(async () => {
  client = new SecretsManagerClient({ endpoint: motoEndpoint() });
  const name = `muster-tokens-${Date.now()}`;
  const created = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: `other-token-0123456789,\n${TOKEN}\n` }),
  );
  tokensArn = created.ARN as string;
});

describe("secretLoader", () => {
  it("returns the secret string, by ARN or by name", async () => {
    await expect(secretLoader(client, tokensArn)()).resolves.toContain(TOKEN);
    const name = `muster-by-name-${Date.now()}`;
    await client.send(new CreateSecretCommand({ Name: name, SecretString: TOKEN }));
    await expect(secretLoader(client, name)()).resolves.toBe(TOKEN);
  });

  it("fails on a binary secret, and passes Secrets Manager's errors through", async () => {
    const name = `muster-binary-${Date.now()}`;
    await client.send(new CreateSecretCommand({ Name: name, SecretBinary: Buffer.from("x") }));
    await expect(secretLoader(client, name)()).rejects.toThrow(/no string value/);
    await expect(secretLoader(client, "muster-no-such-secret")()).rejects.toThrow(
      ResourceNotFoundException,
    );
  });
});

describe("functions/api.ts with MUSTER_TOKENS empty", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("authenticates with the tokens of the MUSTER_TOKENS_SECRET_ARN secret", async () => {
    const engine = dynamoEngine("dynamodb-local");
    const { tableName } = await freshTable(engine);
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: "",
      MUSTER_TOKENS_SECRET_ARN: tokensArn,
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    expect((await invoke(get("/v1/services", TOKEN))).statusCode).toBe(200);
    const refused = await invoke(get("/v1/services", "not-a-configured-token-0000"));
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body).error.message).toBe("invalid token");
  });

  it("answers 503 with Retry-After, not 401, while the secret cannot be read", async () => {
    const invoke = await loadHandler({
      MUSTER_TABLE: "muster-tokens-test",
      MUSTER_TOKENS: "",
      MUSTER_TOKENS_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf",
      // Nothing listens there: the SDK fails to connect, as with no route to Secrets Manager.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:9",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const res = await invoke(get("/v1/services", TOKEN));
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(JSON.parse(res.body).error.code).toBe("tokens_unavailable");
  });
});

describe("functions/api.ts with MUSTER_PRESIGN_KEYS_SECRET_ARN", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("loads the keys for the requests that use them: minting, presigned and join URLs", async () => {
    const engine = dynamoEngine("dynamodb-local");
    const { tableName } = await freshTable(engine);
    const name = `muster-presign-${Date.now()}`;
    const created = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ k1: "presign-key-0123456789abcdef0123456789" }),
      }),
    );
    const env = {
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_PRESIGN_KEYS_SECRET_ARN: created.ARN as string,
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    };
    const mint = async (file: string) => {
      const invoke = await loadHandler(env);
      const res = await invoke(
        httpEvent({
          method: "POST",
          path: "/v1/admin/presign",
          token: TOKEN,
          body: { service: "web", file },
        }),
      );
      expect(res.statusCode).toBe(201);
      const url = new URL(JSON.parse(res.body).url);
      return `${url.pathname}${url.search}`;
    };
    const peers = await mint("peers.txt");
    const join = await mint("bootstrap");
    // A fresh container each time: the URL's own request is what loads the keys.
    const cold = async (path: string) =>
      (await loadHandler(env))(httpEvent({ method: "GET", path, token: null }));
    const read = await cold(peers);
    expect(read.statusCode).toBe(200);
    const joined = await cold(join);
    expect(joined.statusCode).toBe(404);
    expect(JSON.parse(joined.body).error.code).toBe("no_bootstrap_node");
    const forged = await cold(join.replace(/\.[A-Za-z0-9_-]{43}$/, `.${"A".repeat(43)}`));
    expect(JSON.parse(forged.body).error.code).toBe("bad_signature");
  });
});
