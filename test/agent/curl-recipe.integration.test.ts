import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engine } from "../engines/index.js";
import {
  CLOUDFRONT,
  cloudFrontFront,
  type FrontLog,
  functionUrlFront,
  serveFetch,
} from "../support/aws-front.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { httpEvent, loadApiHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";
import { ROOT, type RunningRegistry, startRegistry, TOKEN, waitFor } from "./support.js";

/**
 * The README's recipe for nodes without Node.js, run as it is written. curl comes from the
 * integration set-up (scripts/apt-tools.mjs); a missing curl fails the test, never skips it.
 */
describe("the curl-only heartbeat recipe", () => {
  let registry: RunningRegistry;
  let dir: string;
  beforeAll(async () => {
    [registry, dir] = await Promise.all([startRegistry(), mkdtemp(join(tmpdir(), "muster-curl-"))]);
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The recipe as the README runs it, with `env` added. */
  async function recipe(env: Record<string, string>, registryUrl = registry.url) {
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const child = spawn("bash", [join(ROOT, "agent/examples/curl-heartbeat.sh")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        MUSTER_REGISTRY: registryUrl,
        MUSTER_TOKEN_FILE: tokenFile,
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, exited, stderr: () => stderr };
  }

  it("registers, reports a failing check as critical, and deregisters on SIGTERM", async () => {
    const { child, exited } = await recipe({
      SERVICE: "legacy",
      ID: "box-1",
      ADDRESS: "10.0.0.7:7001",
      TTL: "5",
      // Nothing listens on port 9 (discard): the check fails, so the node reports critical.
      CHECK_URL: "http://127.0.0.1:9/health",
    });
    try {
      const instance = await waitFor("box-1 registered", async () =>
        (await registry.instances("legacy")).find((i) => i.id === "box-1"),
      );
      expect(instance).toMatchObject({ address: "10.0.0.7:7001", status: "critical" });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await registry.instances("legacy")).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("registers a Blixard node with both ids, so that it is in peers.json", async () => {
    const { child, exited } = await recipe({
      SERVICE: "blixard",
      ID: "node-2",
      ADDRESS: "10.0.0.8:7001",
      TTL: "5",
      CLUSTER_NODE_ID: "2",
      IROH_NODE_ID: irohNodeId(2),
    });
    try {
      const instance = await waitFor("node-2 registered", async () =>
        (await registry.instances("blixard")).find((i) => i.id === "node-2"),
      );
      expect(instance).toMatchObject({ cluster_node_id: 2, iroh_node_id: irohNodeId(2) });
      const peers = await fetch(`${registry.url}/v1/services/blixard/peers.json`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(peers.status).toBe(200);
      expect(await peers.json()).toEqual([
        expect.objectContaining({ node_id: 2, direct_addresses: ["10.0.0.8:7001"] }),
      ]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses one Blixard id without the other before sending anything", async () => {
    const { exited, stderr } = await recipe({
      SERVICE: "blixard",
      ID: "node-3",
      ADDRESS: "10.0.0.9:7001",
      CLUSTER_NODE_ID: "3",
    });
    expect(await exited).toBe(2);
    expect(stderr()).toContain("CLUSTER_NODE_ID (a number) and IROH_NODE_ID");
    expect((await registry.instances("blixard")).find((i) => i.id === "node-3")).toBeUndefined();
  });
});

/**
 * The same recipe against the AWS stack's RegistryUrl: CloudFront with origin access control
 * in front of the AWS_IAM function URL (test/support/aws-front.ts), functions/api.ts over
 * DynamoDB Local behind it. CloudFront refuses a POST without the body's SHA-256 and replaces
 * Authorization with its own signature, so the token arrives in X-Muster-Token.
 */
describe("the curl-only heartbeat recipe through CloudFront (an on-prem node)", () => {
  let dir: string;
  let edge: Awaited<ReturnType<typeof serveFetch>>;
  let invoke: Awaited<ReturnType<typeof loadApiHandler>>;
  const log: FrontLog = { verdicts: [], events: [] };
  beforeAll(async () => {
    const db = engine("dynamodb-local");
    const { tableName } = await freshTable(db);
    invoke = await loadApiHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const front = functionUrlFront(invoke, [CLOUDFRONT], log);
    [edge, dir] = await Promise.all([
      serveFetch(cloudFrontFront("https://abc123def456.lambda-url.us-east-1.on.aws", front)),
      mkdtemp(join(tmpdir(), "muster-curl-cf-")),
    ]);
  });
  afterAll(async () => {
    await edge?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it("registers with the token in X-Muster-Token and the body's hash, and deregisters", async () => {
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const child = spawn("bash", [join(ROOT, "agent/examples/curl-heartbeat.sh")], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        MUSTER_REGISTRY: edge.url,
        MUSTER_TOKEN_FILE: tokenFile,
        SERVICE: "onprem",
        ID: "rack-7",
        ADDRESS: "192.168.7.1:7001",
        TTL: "5",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const instances = async () => {
      const res = await invoke(
        httpEvent({ method: "GET", path: "/v1/services/onprem/instances", token: TOKEN }),
      );
      return (JSON.parse(res.body) as { instances: { id: string }[] }).instances;
    };
    try {
      await waitFor("rack-7 registered", async () =>
        (await instances()).some((i) => i.id === "rack-7"),
      );
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await instances()).toEqual([]);
      expect(stderr).toBe("");
      const methods = log.events.map((e) => e.requestContext.http.method);
      expect(methods).toContain("POST");
      expect(methods.at(-1)).toBe("DELETE");
      for (const event of log.events) {
        expect(event.headers["x-muster-token"]).toBe(TOKEN);
        expect(event.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      }
      expect(log.verdicts.every((v) => v.ok)).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
