import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, Context, ScheduledEvent } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCloudMapClient, createEc2Client } from "../../shared/sources/aws-clients.js";
import { engine, motoEndpoint } from "../engines/index.js";
import { httpEvent } from "../support/lambda.js";
import { cloudMapContents, launch, privateNamespace } from "../support/moto.js";
import { freshTable } from "../support/table.js";

const TOKEN = "lambda-token-0123456789abcdef";
/** The functions' clients carry no moto account header: a region of their own keeps them apart. */
const REGION = "ap-southeast-2";

const scheduled = {
  version: "0",
  id: "e-1",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-11-21T00:00:00Z",
  region: REGION,
  resources: ["arn:aws:events:ap-southeast-2:123456789012:rule/muster-reconcile"],
  detail: {},
} as ScheduledEvent;

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const request = (method: string, path: string, body?: unknown) =>
  httpEvent({ method, path, token: TOKEN, body });

/** The EMF lines Powertools writes to stdout, parsed. */
function emf(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .flatMap((c) => c.split("\n"))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the Lambda functions", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("functions/reconcile.ts runs one pass, records it in the table for functions/api.ts, and emits the agreed metrics", async () => {
    const dynamo = engine("dynamodb-local");
    const { tableName } = await freshTable(dynamo);
    const aws = {
      endpoint: motoEndpoint(),
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    const ec2 = createEc2Client(aws);
    const cloudMap = createCloudMapClient(aws);
    const cluster = randomUUID().slice(0, 8);
    const namespace = await privateNamespace(cloudMap, `lambda-${cluster}.local`);
    const launched = await launch(ec2, {
      "muster:service": "engram",
      "muster:port": "7946",
      EngramCluster: cluster,
    });

    for (const [k, v] of Object.entries({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_EC2_FILTERS: `EngramCluster=${cluster}`,
      MUSTER_CLOUDMAP_NAMESPACE: namespace,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EC2: motoEndpoint(),
      AWS_ENDPOINT_URL_SERVICEDISCOVERY: motoEndpoint(),
      POWERTOOLS_LOG_LEVEL: "SILENT",
    }))
      vi.stubEnv(k, v);
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    vi.resetModules();
    const reconcile = await import("../../functions/reconcile.js");
    const result = await reconcile.handler(scheduled, context);
    expect(result).toMatchObject({ ok: true });
    expect(result.sources).toEqual([
      { name: "ec2", ok: true, instances: 1, error: null },
      { name: "cloudmap", ok: true, instances: 0, error: null },
      { name: "cloudmap-export", ok: true, instances: 0, error: null },
    ]);

    const metrics = emf(out);
    const named = (name: string, source?: string) =>
      metrics.find((m) => name in m && (source === undefined || m.Source === source));
    expect(named("ReconcileDurationMs")).toMatchObject({ service: "muster-reconcile" });
    expect(named("SourceInstances", "ec2")).toMatchObject({ SourceInstances: 1 });
    expect(named("SourceMissing", "ec2")).toMatchObject({ SourceMissing: 0 });
    expect(named("SourceErrors", "ec2")).toMatchObject({ SourceErrors: 0 });
    expect(named("SourceErrors", "cloudmap")).toMatchObject({ SourceErrors: 0 });
    const meta = named("SourceErrors", "ec2")?._aws as {
      CloudWatchMetrics: {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Unit: string }[];
      }[];
    };
    expect(meta.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "Muster",
      Metrics: [{ Name: "SourceErrors", Unit: "Count" }],
    });
    expect(meta.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
      expect.arrayContaining(["service", "Source"]),
    );

    // The API function reads what the reconcile function recorded.
    // Typed as the v2 adapter it is; the module's own type is a union over event shapes.
    const api = (await import("../../functions/api.js")) as unknown as {
      handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<unknown>;
    };
    const ask = async () => {
      const res = (await api.handler(request("GET", "/v1/discovery/health"), {} as Context)) as {
        body: string;
      };
      return JSON.parse(res.body) as { sources: { name: string; instances: number }[] };
    };
    let health = await ask();
    for (let i = 0; i < 30 && health.sources.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await ask();
    }
    expect(health.sources.map((s) => [s.name, s.instances])).toEqual([
      ["cloudmap", 0],
      ["cloudmap-export", 0],
      ["ec2", 1],
    ]);
    const peers = (await api.handler(
      request("GET", "/v1/services/engram/peers.txt"),
      {} as Context,
    )) as {
      body: string;
    };
    expect(peers.body).toBe(`${launched[0]?.ip}:7946\n`);

    // A node heartbeats in through the API; the next scheduled pass exports it.
    expect(await cloudMapContents(cloudMap)).toEqual({});
    const hb = (await api.handler(
      request("POST", "/v1/services/engram/heartbeats", {
        id: "node-1",
        address: "10.0.1.10:7946",
      }),
      {} as Context,
    )) as { statusCode: number };
    expect(hb.statusCode).toBe(201);
    expect(await reconcile.handler(scheduled, context)).toMatchObject({ ok: true });
    expect(await cloudMapContents(cloudMap)).toEqual({
      "_engram._tcp": {
        "node-1": {
          AWS_INSTANCE_IPV4: "10.0.1.10",
          AWS_INSTANCE_PORT: "7946",
          MUSTER_EXPORTED: "heartbeat",
        },
      },
    });
    ec2.destroy();
    cloudMap.destroy();
  });
});
