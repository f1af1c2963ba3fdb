import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { engines } from "./engines/index.js";
import { freshTable } from "./support/table.js";

const TOKEN = "lambda-token-0123456789abcdef";

/** A function URL / HTTP API (payload v2) event, as Lambda hands it to the handler. */
function event(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyEventV2 {
  const [rawPath = "/", rawQueryString = ""] = path.split("?");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: {
      host: "abc123.lambda-url.us-east-1.on.aws",
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.lambda-url.us-east-1.on.aws",
      domainPrefix: "abc123",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "muster-test",
      },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "21/Nov/2026:00:00:00 +0000",
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyResultV2>;
type Result = { statusCode: number; headers: Record<string, string>; body: string };

/** Imports functions/api.ts afresh with this environment: it reads its config at import. */
async function loadHandler(
  env: Record<string, string>,
): Promise<(e: APIGatewayProxyEventV2) => Promise<Result>> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.resetModules();
  const { handler } = (await import("../functions/api.js")) as { handler: Handler };
  return async (e) => (await handler(e, {} as Context)) as Result;
}

describe.each(engines())("functions/api.ts on $name", (engine) => {
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
      }),
    );
    expect(hb.statusCode).toBe(201);
    expect(JSON.parse(hb.body)).toMatchObject({ service: "blixard", id: "node-1", ttl: 30 });

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
