import { randomUUID } from "node:crypto";
import { DescribeInstancesCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import { ServiceDiscoveryServiceException } from "@aws-sdk/client-servicediscovery";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { runReconcilePass } from "../../shared/reconcile/pass.js";
import { createCloudMapClient, createEc2Client } from "../../shared/sources/aws-clients.js";
import { type Engine, engine } from "../engines/index.js";
import {
  cloudMapContents,
  launch,
  type MotoAccount,
  motoAccount,
  privateNamespace,
} from "../support/moto.js";
import { reconcilerHarness } from "../support/reconciler.js";

const sqlite = (): Engine => engine("sqlite");
const OPTIONS = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

/** An error as the SDK raises it from an AWS answer, which no engine here can be made to give. */
function awsError<E extends typeof EC2ServiceException | typeof ServiceDiscoveryServiceException>(
  Kind: E,
  name: string,
  status: number,
  message: string,
) {
  return new Kind({
    name,
    message,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, attempts: 5, totalRetryDelay: 4_000 },
  });
}

describe("faults only a mock can inject: throttling, a refused permission", () => {
  const accounts: MotoAccount[] = [];
  afterEach(() => {
    for (const a of accounts.splice(0)) a.destroy();
  });

  it("leaves the registry intact and says why when EC2 refuses DescribeInstances (the permission pulled)", async () => {
    const moto = motoAccount();
    accounts.push(moto);
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    await launch(moto.setup.ec2, { "muster:service": "engram", "muster:port": "7946" }, 3);
    await r.pass();
    const before = await r.peers("engram");
    expect(before).toHaveLength(3);

    const refused = createEc2Client(OPTIONS);
    mockClient(refused)
      .on(DescribeInstancesCommand)
      .rejects(
        awsError(
          EC2ServiceException,
          "UnauthorizedOperation",
          403,
          "You are not authorized to perform this operation.",
        ),
      );
    r.advance(60);
    const report = await runReconcilePass(
      { store: r.store, config: r.config, ec2: refused, now: () => r.clock.ms },
      { budgetMs: 10_000 },
    );
    expect(report.ec2).toMatchObject({ ok: false, found: null, instances: 3, removed: 0 });
    expect(await r.peers("engram")).toEqual(before);
    const states = await r.store.reconcileStates();
    expect(states.find((s) => s.name === "ec2")).toMatchObject({
      ok: false,
      error: "UnauthorizedOperation: You are not authorized to perform this operation.",
    });
    refused.destroy();
  });

  it("treats throttling that outlasts the SDK's retries as a failed source: nothing changes", async () => {
    const moto = motoAccount();
    accounts.push(moto);
    const name = `cluster-${randomUUID().slice(0, 8)}.local`;
    await privateNamespace(moto.setup.cloudMap, name);
    const r = await reconcilerHarness(sqlite(), moto, {
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_CLOUDMAP_NAMESPACE: name,
    });
    await launch(moto.setup.ec2, { "muster:service": "engram", "muster:port": "7946" }, 2);
    await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946", ttl: 3600 });
    await r.pass();
    const peers = await r.peers("engram");
    const exported = await cloudMapContents(moto.setup.cloudMap);
    expect(peers).toHaveLength(3);
    expect(Object.keys(exported["_engram._tcp"] ?? {})).toEqual(["node-1"]);

    const ec2 = createEc2Client(OPTIONS);
    mockClient(ec2)
      .on(DescribeInstancesCommand)
      .rejects(
        awsError(EC2ServiceException, "RequestLimitExceeded", 503, "Request limit exceeded."),
      );
    const cloudMap = createCloudMapClient(OPTIONS);
    mockClient(cloudMap)
      .onAnyCommand()
      .rejects(
        awsError(ServiceDiscoveryServiceException, "ThrottlingException", 400, "Rate exceeded"),
      );
    r.advance(60);
    const report = await runReconcilePass(
      { store: r.store, config: r.config, ec2, cloudMap, now: () => r.clock.ms },
      { budgetMs: 10_000 },
    );
    expect(report.ec2).toMatchObject({ ok: false, instances: 2 });
    expect(report.ec2?.error).toMatch(/^RequestLimitExceeded/);
    expect(report.cloudMap).toMatchObject({ ok: false });
    expect(report.cloudMapExport).toMatchObject({ ok: false, deregistered: 0 });
    expect(report.cloudMapExport?.error).toMatch(/^ThrottlingException/);
    expect(await r.peers("engram")).toEqual(peers);
    expect(await cloudMapContents(moto.setup.cloudMap)).toEqual(exported);
    ec2.destroy();
    cloudMap.destroy();
  });

  it("leaves retrying to the SDK: adaptive mode (backoff plus client-side rate limiting), five attempts", async () => {
    // aws-sdk-client-mock replaces `send`, so the SDK's retry middleware never runs under it:
    // what is checked here is that the clients the reconciler builds carry the strategy.
    for (const client of [createEc2Client(OPTIONS), createCloudMapClient(OPTIONS)]) {
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe("adaptive");
      expect(await client.config.maxAttempts()).toBe(5);
      client.destroy();
    }
  });
});
