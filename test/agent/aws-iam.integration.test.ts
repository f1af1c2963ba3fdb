import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { defaultCredentials } from "../../agent/aws/credentials.js";
import { RequestSigner } from "../../agent/aws/sigv4.js";
import { loadTrustedKeys } from "../../agent/join/verify.js";
import { engine, motoEndpoint } from "../engines/index.js";
import { type FrontLog, type Identity, serveFunctionUrlFront } from "../support/aws-front.js";
import { httpEvent, loadApiHandler } from "../support/lambda.js";
import { freshTable } from "../support/table.js";
import {
  type AgentProcess,
  buildAgent,
  removeAgent,
  spawnAgent,
  waitFor,
  words,
} from "./support.js";

const ADMIN = "aws-iam-admin-token-0123456789";
/**
 * What moto's instance metadata hands out (its IMDS answers on the server's own endpoint):
 * the instance `i-fake`, and the credentials of its `default-role`. IAM resolves them, as it
 * resolves an instance profile's, to a role session named for the instance.
 */
const MOTO_INSTANCE: Identity = {
  accessKeyId: "test-key",
  secretAccessKey: "test-secret-key",
  sessionToken: "test-session-token",
  userArn: "arn:aws:sts::123456789012:assumed-role/default-role/i-fake",
  accountId: "123456789012",
};

describe("muster-agent with --aws-iam: no token, the instance role signs", () => {
  let bundle: string;
  let dir: string;
  let front: Awaited<ReturnType<typeof serveFunctionUrlFront>>;
  let invoke: Awaited<ReturnType<typeof loadApiHandler>>;
  const log: FrontLog = { verdicts: [], events: [] };
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    const db = engine("dynamodb-local");
    const { tableName } = await freshTable(db);
    invoke = await loadApiHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: ADMIN,
      MUSTER_IAM_ROLES: JSON.stringify({
        "default-role": { role: "register", services: ["web"], bindInstanceId: true },
      }),
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    [bundle, dir, front] = await Promise.all([
      buildAgent(),
      mkdtemp(join(tmpdir(), "muster-aws-iam-")),
      serveFunctionUrlFront(invoke, [MOTO_INSTANCE], log),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop("SIGKILL")));
    await front?.close();
    await removeAgent(bundle);
    if (dir) await rm(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  /** The registry as the admin token reads it, straight through the handler. */
  const instances = async () => {
    const res = await invoke(
      httpEvent({ method: "GET", path: "/v1/services/web/instances", token: ADMIN }),
    );
    return (JSON.parse(res.body) as { instances: { id: string; address: string }[] }).instances;
  };
  const aws = (args: string) =>
    words(`--aws-iam --aws-region us-east-1 --imds-endpoint ${motoEndpoint()} ${args}`);

  it("registers the EC2 instance with its instance profile's signature, and deregisters it", async () => {
    const agent = spawnAgent(
      bundle,
      ["run", "--registry", front.url, ...aws("--service web --ec2 --port 7001 --ttl 30")],
      { MUSTER_TOKEN: "" },
    );
    agents.push(agent);
    const registered = await waitFor(
      "the instance in the registry",
      async () => (await instances()).find((i) => i.id === "i-fake"),
      { timeoutMs: 20_000 },
    );
    expect(registered.address).toBe("127.0.0.1:7001");
    expect(log.verdicts.length).toBeGreaterThan(0);
    expect(log.verdicts.every((v) => v.ok && v.service === "lambda")).toBe(true);
    expect(log.events[0]?.headers).not.toHaveProperty("x-muster-token");

    expect(await agent.stop("SIGTERM")).toBe(0);
    expect(await instances()).toEqual([]);
    expect(log.events.at(-1)?.requestContext.http.method).toBe("DELETE");
    expect(agent.output()).toMatch(/deregistered web\/i-fake/);
  }, 60_000);

  it("joins with the same signature: reads are the role's too", async () => {
    const agent = spawnAgent(
      bundle,
      ["run", "--registry", front.url, ...aws("--service web --ec2 --port 7002 --ttl 30")],
      { MUSTER_TOKEN: "" },
    );
    agents.push(agent);
    await waitFor("the instance", async () => (await instances()).length === 1, {
      timeoutMs: 20_000,
    });
    const join = spawnAgent(
      bundle,
      ["join", ...aws("--format txt"), `${front.url}/v1/services/web/peers.txt`],
      { MUSTER_TOKEN: "" },
    );
    expect(await join.exited).toBe(0);
    expect(join.stdout()).toBe("127.0.0.1:7002\n");
    await agent.stop("SIGTERM");
  }, 60_000);

  it("reads the registry's keys signed too (bootstrap's default --verify-key, join --verify-key)", async () => {
    const keysUrl = `${front.url}/.well-known/muster-keys.json`;
    // Unsigned, the function URL refuses before the function runs.
    await expect(loadTrustedKeys([keysUrl], { timeoutMs: 5000 })).rejects.toThrow(/403/);
    const signer = new RequestSigner({
      credentials: async () => ({
        accessKeyId: MOTO_INSTANCE.accessKeyId,
        secretAccessKey: MOTO_INSTANCE.secretAccessKey,
        sessionToken: MOTO_INSTANCE.sessionToken,
      }),
      region: "us-east-1",
    });
    const before = log.verdicts.length;
    // Signed, the request reaches the function: this registry does not sign, so its answer
    // is the function's own 404 (signing_disabled), not the front's 403.
    await expect(loadTrustedKeys([keysUrl], { timeoutMs: 5000, signer })).rejects.toThrow(
      /404.*signing_disabled|signing_disabled.*404|does not sign/,
    );
    expect(log.verdicts.slice(before).map((v) => v.ok)).toEqual([true]);
  });

  it("refuses to sign for a host that is not a function URL without --aws-region", async () => {
    const agent = spawnAgent(
      bundle,
      words(`run --registry ${front.url} --aws-iam --service web --id a --address 10.0.0.1:1`),
      { MUSTER_TOKEN: "" },
    );
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toMatch(/not a Lambda function URL.*--aws-region/);
    const none = spawnAgent(
      bundle,
      words(`run --registry ${front.url} --service web --id a --address 10.0.0.1:1`),
      { MUSTER_TOKEN: "" },
    );
    expect(await none.exited).toBe(2);
    expect(none.output()).toMatch(/no token.*--aws-iam/);
  });
});

describe("the agent's credential sources, without the AWS SDK", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-creds-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes the instance profile from IMDSv2 (moto's instance metadata)", async () => {
    const creds = await defaultCredentials({}, { imdsEndpoint: motoEndpoint() })();
    expect(creds).toMatchObject({
      accessKeyId: "test-key",
      secretAccessKey: "test-secret-key",
      sessionToken: "test-session-token",
    });
    expect(creds.expiration?.getTime()).toBeGreaterThan(Date.now());
  });

  it("exchanges a web identity token with STS (EKS service accounts; moto's STS)", async () => {
    const tokenFile = join(dir, "web-identity-token");
    await writeFile(tokenFile, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n");
    const creds = await defaultCredentials({
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/pods",
      AWS_ROLE_SESSION_NAME: "pod-1",
      AWS_ENDPOINT_URL_STS: motoEndpoint(),
      AWS_REGION: "us-east-1",
    })();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds.secretAccessKey.length).toBeGreaterThan(20);
    expect(creds.sessionToken?.length).toBeGreaterThan(20);
    expect(creds.expiration?.getTime()).toBeGreaterThan(Date.now());
  });

  it("reads a container endpoint with its authorization token (ECS task roles, EKS Pod Identity)", async () => {
    // No engine serves the ECS or EKS credential endpoint: this one answers as they document.
    const seen: (string | undefined)[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== "pod-identity-token") return void res.writeHead(401).end();
      res.writeHead(200, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          AccessKeyId: "ASIACONTAINER",
          SecretAccessKey: "container-secret",
          Token: "container-token",
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const tokenFile = join(dir, "eks-pod-identity-token");
      await writeFile(tokenFile, "pod-identity-token\n");
      const port = (server.address() as AddressInfo).port;
      const provider = defaultCredentials({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      });
      expect(await provider()).toMatchObject({
        accessKeyId: "ASIACONTAINER",
        sessionToken: "container-token",
      });
      // Cached until five minutes before expiry: one fetch for many signatures.
      await provider();
      expect(seen).toEqual(["pod-identity-token"]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(() =>
      defaultCredentials({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://example.com/creds" }),
    ).toThrow(/not the ECS or EKS agent's/);
  });

  it("prefers keys in the environment, as the SDK does", async () => {
    const creds = await defaultCredentials({
      AWS_ACCESS_KEY_ID: "AKIAENV",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_WEB_IDENTITY_TOKEN_FILE: "/nonexistent",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/pods",
    })();
    expect(creds).toEqual({ accessKeyId: "AKIAENV", secretAccessKey: "env-secret" });
  });
});
