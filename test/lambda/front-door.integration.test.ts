import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RegistryError } from "../../agent/client/http.js";
import { RegistryClient } from "../../agent/client/registry-client.js";
import { iamFingerprint } from "../../shared/auth/iam-roles.js";
import { engine } from "../engines/index.js";
import {
  ACCOUNT,
  CLOUDFRONT,
  cloudFrontFront,
  type FrontLog,
  functionUrlFront,
  roleSession,
} from "../support/aws-front.js";
import { loadApiHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";

const FUNCTION_URL = "https://abc123def456.lambda-url.us-east-1.on.aws";
const DISTRIBUTION = "https://d111111abcdef8.cloudfront.net";
const ADMIN = "bootstrap-admin-token-0123456789";
const WEB_NODE = roleSession("web-nodes", "i-0abc1234def567890", "ASIAWEBNODE");
const DB_NODE = roleSession("db-nodes", "task-1", "ASIADBNODE");
const STRANGER = roleSession("someone-else", "x", "ASIASTRANGER");

/**
 * The two ways in, end to end through functions/api.ts over DynamoDB Local: a node in AWS
 * signing with its own role straight to the function URL (the agent's RegistryClient and its
 * signer), and a node outside AWS through CloudFront with a token. In between, what AWS does:
 * the signature checked by botocore, the event built with `requestContext.authorizer.iam`
 * (test/support/aws-front.ts).
 */
describe.each([engine("dynamodb-local")])("the front door on $name", (engine) => {
  let invoke: Awaited<ReturnType<typeof loadApiHandler>>;
  let log: FrontLog;
  let direct: typeof fetch;
  let viaCloudFront: typeof fetch;

  beforeAll(async () => {
    const { tableName } = await freshTable(engine);
    invoke = await loadApiHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: ADMIN,
      MUSTER_IAM_ROLES: JSON.stringify({
        "web-nodes": { role: "register", services: ["web"], bindInstanceId: true },
        "db-nodes": { role: "register", services: ["db"] },
      }),
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
  });
  // The handler reads the environment as it goes (the DynamoDB endpoint at its first call).
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  const fronts = () => {
    log = { verdicts: [], events: [] };
    direct = functionUrlFront(invoke, [WEB_NODE, DB_NODE, STRANGER, CLOUDFRONT], log);
    viaCloudFront = cloudFrontFront(FUNCTION_URL, direct);
  };
  const node = (identity: typeof WEB_NODE) =>
    new RegistryClient({
      registry: FUNCTION_URL,
      aws: { credentials: identity },
      fetch: direct,
      breaker: { failureThreshold: 1000 },
    });

  it("accepts a heartbeat the agent's signer signed, as the role's principal", async () => {
    fronts();
    const { lease, created } = await node(WEB_NODE).heartbeat("web", {
      id: "i-0abc1234def567890",
      address: "10.0.0.5:8080",
    });
    expect(created).toBe(true);
    expect(lease).toMatchObject({ service: "web", id: "i-0abc1234def567890" });
    // botocore recomputed the signature from the request: Lambda's service name, the URL's
    // region, and the headers that must be signed.
    expect(log.verdicts[0]).toMatchObject({ ok: true, service: "lambda", region: "us-east-1" });
    expect(log.verdicts[0]?.signed).toEqual(
      expect.arrayContaining([
        "host",
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-security-token",
      ]),
    );
    const event = log.events[0];
    expect(event?.headers).not.toHaveProperty("x-muster-token");
    expect(event?.requestContext).toMatchObject({
      accountId: ACCOUNT,
      authorizer: { iam: { userArn: WEB_NODE.userArn, accountId: ACCOUNT } },
    });
    const read = await node(WEB_NODE).discover("web");
    expect(read.map((i) => [i.id, i.registered_by])).toEqual([
      ["i-0abc1234def567890", iamFingerprint(ACCOUNT, "web-nodes")],
    ]);
  });

  it("maps each role to its own services: a role for web cannot write db, nor db web", async () => {
    fronts();
    const web = node(WEB_NODE);
    const db = node(DB_NODE);
    await expect(
      db.heartbeat("db", { id: "db-1", address: "10.0.1.1:5432" }),
    ).resolves.toMatchObject({
      created: true,
    });
    const refused = await web
      .heartbeat("db", { id: "i-0abc1234def567890", address: "10.0.0.5:5432" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ status: 403, code: "forbidden" });
    await expect(db.deregister("web", "i-0abc1234def567890")).rejects.toMatchObject({
      status: 403,
    });
    // The EC2 role's session writes its own instance only.
    await expect(
      web.heartbeat("web", { id: "i-0other", address: "10.0.0.6:8080" }),
    ).rejects.toMatchObject({ status: 403 });
    // A batch and a deregistration, signed alike.
    const results = await db.heartbeatBatch([
      { service: "db", id: "db-1", address: "10.0.1.1:5433" },
      { service: "web", id: "db-1", address: "10.0.1.1:5433" },
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 403]);
    await db.deregister("db", "db-1");
    expect(await db.discover("db")).toEqual([]);
    expect(log.verdicts.every((v) => v.ok)).toBe(true);
  });

  it("lets IAM refuse a tampered request before the function runs", async () => {
    fronts();
    const tampering: typeof fetch = (input, init) =>
      direct(input, { ...init, body: String(init?.body).replace("10.0.0.5", "10.6.6.6") });
    const client = new RegistryClient({
      registry: FUNCTION_URL,
      aws: { credentials: WEB_NODE },
      fetch: tampering,
    });
    await expect(
      client.heartbeat("web", { id: "i-0abc1234def567890", address: "10.0.0.5:8081" }),
    ).rejects.toMatchObject({ status: 403 });
    expect(log.verdicts).toEqual([
      expect.objectContaining({ ok: false, why: "payload hash mismatch" }),
    ]);
    expect(log.events).toEqual([]);
  });

  it("takes a token through CloudFront, whose OAC signature replaces Authorization", async () => {
    fronts();
    const admin = new RegistryClient({
      registry: DISTRIBUTION,
      token: ADMIN,
      fetch: viaCloudFront,
    });
    // A scoped token for service a, made and used through the distribution.
    const made = await viaCloudFront(`${DISTRIBUTION}/v1/admin/tokens`, {
      method: "POST",
      headers: {
        "X-Muster-Token": ADMIN,
        "Content-Type": "application/json",
        "x-amz-content-sha256": "0".repeat(64),
      },
      body: JSON.stringify({ name: "on-prem", role: "register", services: ["a"] }),
    });
    // CloudFront refuses a POST whose hash is not its body's: nothing reaches the function.
    expect(made.status).toBe(403);
    expect(log.events).toEqual([]);
    const body = JSON.stringify({ name: "on-prem", role: "register", services: ["a"] });
    const { createHash } = await import("node:crypto");
    const minted = await viaCloudFront(`${DISTRIBUTION}/v1/admin/tokens`, {
      method: "POST",
      headers: {
        "X-Muster-Token": ADMIN,
        "Content-Type": "application/json",
        "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
      },
      body,
    });
    expect(minted.status).toBe(201);
    const token = ((await minted.json()) as { token: string }).token;

    const onPrem = new RegistryClient({ registry: DISTRIBUTION, token, fetch: viaCloudFront });
    expect(
      (await onPrem.heartbeat("a", { id: "rack-1", address: "192.168.1.10:7001" })).created,
    ).toBe(true);
    await expect(
      onPrem.heartbeat("b", { id: "rack-1", address: "192.168.1.10:7001" }),
    ).rejects.toMatchObject({ status: 403, code: "forbidden" });
    await onPrem.deregister("a", "rack-1");
    expect(await admin.discover("a")).toEqual([]);

    // Every origin request was CloudFront's, signed and verified; none carried the viewer's
    // Authorization (the token went in X-Muster-Token).
    expect(log.verdicts.length).toBeGreaterThan(0);
    expect(log.verdicts.every((v) => v.ok)).toBe(true);
    for (const event of log.events) {
      expect(event.requestContext).toMatchObject({
        authorizer: { iam: { userArn: CLOUDFRONT.userArn } },
      });
      expect(event.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIACLOUDFRONT\//);
      expect(event.headers["x-muster-token"]).toBeDefined();
      expect(event.headers.via).toMatch(/CloudFront/);
    }
    // Without a token, CloudFront's own identity gets nothing.
    const anonymous = new RegistryClient({ registry: DISTRIBUTION, fetch: viaCloudFront });
    await expect(anonymous.discover("a")).rejects.toMatchObject({ status: 401 });
  });

  it("gives an unmapped role no scope of its own: it needs a token like anyone", async () => {
    fronts();
    const stranger = node(STRANGER);
    await expect(stranger.discover("web")).rejects.toMatchObject({ status: 401 });
    const withToken = new RegistryClient({
      registry: FUNCTION_URL,
      aws: { credentials: STRANGER },
      token: ADMIN,
      fetch: direct,
    });
    expect(await withToken.discover("web")).toHaveLength(1);
    // Signed and carrying the token in X-Muster-Token, not in Authorization.
    expect(log.events.at(-1)?.headers["x-muster-token"]).toBe(ADMIN);
  });
});
