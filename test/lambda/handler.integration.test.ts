import { afterEach, describe, expect, it, vi } from "vitest";
import { engine } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { httpEvent, loadApiHandler as loadHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";

/** `event(method, path, body?, headers?)` with this file's token. */
const event = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => httpEvent({ method, path, token: TOKEN, body, headers });

const TOKEN = "lambda-token-0123456789abcdef";

// The Lambda functions run on DynamoDB only.
describe.each([engine("dynamodb-local")])("functions/api.ts on $name", (engine) => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("serves the contract through the Lambda adapter, configured from the environment", async () => {
    const { tableName } = await freshTable(engine);
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const hb = await invoke(
      event("POST", "/v1/services/blixard/heartbeats", {
        id: "node-1",
        address: "10.0.0.1:7001",
        cluster_node_id: 1,
        iroh_node_id: irohNodeId(1),
      }),
    );
    expect(hb.statusCode).toBe(201);
    expect(JSON.parse(hb.body)).toMatchObject({ service: "blixard", id: "node-1", ttl: 135 });

    const peers = await invoke(event("GET", "/v1/services/blixard/peers.json?status=any"));
    expect(peers.statusCode).toBe(200);
    expect(JSON.parse(peers.body)).toMatchObject([
      { node_id: 1, direct_addresses: ["10.0.0.1:7001"] },
    ]);
    const etag = peers.headers.etag as string;
    expect(etag).toMatch(/^"/);
    const again = await invoke(
      event("GET", "/v1/services/blixard/peers.json?status=any", undefined, {
        "if-none-match": etag,
      }),
    );
    expect(again.statusCode).toBe(304);

    const anonymous = await invoke(event("GET", "/v1/services", undefined, { authorization: "" }));
    expect(anonymous.statusCode).toBe(401);
  });

  it("mints scoped tokens and presigned URLs, and honours them, through the Lambda adapter", async () => {
    const { tableName } = await freshTable(engine);
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_PRESIGN_KEYS: JSON.stringify({ k1: "lambda-presign-key-0123456789abcdef" }),
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const made = await invoke(
      event("POST", "/v1/admin/tokens", { name: "a", role: "register", services: ["a"] }),
    );
    expect(made.statusCode).toBe(201);
    const scoped = { authorization: `Bearer ${JSON.parse(made.body).token}` };
    const node = { id: "n1", address: "10.0.0.1:7001" };
    expect(
      (await invoke(event("POST", "/v1/services/a/heartbeats", node, scoped))).statusCode,
    ).toBe(201);
    expect(
      (await invoke(event("POST", "/v1/services/b/heartbeats", node, scoped))).statusCode,
    ).toBe(403);

    const minted = await invoke(
      event("POST", "/v1/admin/presign", {
        service: "a",
        file: "peers.txt",
        base_url: "https://r.example",
      }),
    );
    expect(minted.statusCode).toBe(201);
    const url = new URL(JSON.parse(minted.body).url);
    const open = await invoke(
      event("GET", `${url.pathname}${url.search}`, undefined, { authorization: "" }),
    );
    expect(open.statusCode).toBe(200);
    expect(open.body).toBe("10.0.0.1:7001\n");
    const tampered = await invoke(
      event("GET", `/v1/services/b/peers.txt${url.search}`, undefined, { authorization: "" }),
    );
    expect(tampered.statusCode).toBe(401);
  });

  it("refuses every /v1 request when no token is configured", async () => {
    const { tableName } = await freshTable(engine);
    const invoke = await loadHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: "",
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const hb = await invoke(
      event("POST", "/v1/services/s/heartbeats", { id: "a", address: "10.0.0.1:1" }),
    );
    expect(hb.statusCode).toBe(401);
    expect(JSON.parse(hb.body).error.message).toMatch(/no token is configured/);
    expect(
      (await invoke(event("GET", "/health", undefined, { authorization: "" }))).statusCode,
    ).toBe(200);
  });
});
