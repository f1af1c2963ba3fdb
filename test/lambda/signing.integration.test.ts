import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TrustedKeys } from "../../shared/signing/trust.js";
import { engine as dynamoEngine, motoEndpoint } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { httpEvent, loadApiHandler as loadHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";

// functions/api.ts signing with the key set of MUSTER_SIGNING_KEYS_SECRET_ARN, kept in moto's
// Secrets Manager in the form CloudFormation generates it: {"generated": "<random>"}.

const TOKEN = "lambda-signing-token-0123456789";
const event = (method: string, path: string, body?: unknown) =>
  httpEvent({ method, path, token: TOKEN, body });
describe("functions/api.ts with MUSTER_SIGNING_KEYS_SECRET_ARN", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("signs reads with the key derived from the generated secret, and serves its key", async () => {
    const engine = dynamoEngine("dynamodb-local");
    const { tableName } = await freshTable(engine);
    const secrets = new SecretsManagerClient({ endpoint: motoEndpoint() });
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: `muster-signing-${Date.now()}`,
        SecretString: JSON.stringify({ generated: "g".repeat(40) + Date.now() }),
      }),
    );
    secrets.destroy();
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_SIGNING_KEYS_SECRET_ARN: created.ARN as string,
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    const hb = await invoke(
      event("POST", "/v1/services/blixard/heartbeats", {
        id: "n1",
        address: "10.0.0.1:7001",
        cluster_node_id: 1,
        iroh_node_id: irohNodeId(1),
      }),
    );
    expect(hb.statusCode).toBe(201);
    expect(hb.headers["muster-signature"]).toBeUndefined();

    const keys = await invoke(event("GET", "/.well-known/muster-keys.json"));
    expect(keys.statusCode).toBe(200);
    const trusted = TrustedKeys.fromDocuments([keys.body]);
    for (const file of [
      "peers.json",
      "peers.txt",
      "srv",
      "bootstrap",
      "instances/n1/registry.json",
    ]) {
      const res = await invoke(event("GET", `/v1/services/blixard/${file}`));
      expect(res.statusCode, file).toBe(200);
      const header = res.headers["muster-signature"];
      expect(trusted.check(res.body, header, Date.now()), file).toBeUndefined();
      expect(trusted.check(`${res.body} `, header, Date.now()), file).toMatch(/does not match/);
    }
  });

  it("answers reads 503 while the signing secret cannot be read, and heartbeats go on", async () => {
    const engine = dynamoEngine("dynamodb-local");
    const { tableName } = await freshTable(engine);
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_SIGNING_KEYS_SECRET_ARN:
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf",
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      // Nothing listens there: no route to Secrets Manager.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:9",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    const hb = await invoke(
      event("POST", "/v1/services/blixard/heartbeats", { id: "n1", address: "10.0.0.1:7001" }),
    );
    expect(hb.statusCode).toBe(201);
    const read = await invoke(event("GET", "/v1/services/blixard/peers.json"));
    expect(read.statusCode).toBe(503);
    expect(read.headers["retry-after"]).toBe("5");
    expect(JSON.parse(read.body).error.code).toBe("signing_unavailable");
  });
});
