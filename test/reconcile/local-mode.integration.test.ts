import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCloudMapClient, createEc2Client } from "../../shared/sources/aws-clients.js";
import { motoEndpoint } from "../engines/index.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { cloudMapContents, launch, privateNamespace, stopInstances } from "../support/moto.js";

const TOKEN = "local-reconcile-token-0123456789";
/** `npm start` talks to moto's default account: a region of its own keeps it apart. */
const REGION = "eu-north-1";
const INTERVAL_S = 1;

const start = (env: Record<string, string>) =>
  startLocal({
    AWS_REGION: REGION,
    MUSTER_TOKENS: TOKEN,
    MUSTER_RECONCILE_INTERVAL: String(INTERVAL_S),
    ...env,
  });
const stop = (r: LocalServer) => stopLocal(r);

/** Polls until `check` holds, every 100 ms for at most `ms`; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < ms / 100; i++) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${ms} ms`);
}

describe("npm start with the reconciler pointed at moto", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  });

  it("lists a tagged instance within an interval, drops it when stopped, exports a heartbeat node to Cloud Map, and keeps the registry when EC2 is cut off", async () => {
    const aws = {
      endpoint: motoEndpoint(),
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    const ec2 = createEc2Client(aws);
    const cloudMap = createCloudMapClient(aws);
    cleanup.push(async () => {
      ec2.destroy();
      cloudMap.destroy();
    });
    const cluster = randomUUID().slice(0, 8);
    const namespace = `local-${cluster}.local`;
    await privateNamespace(cloudMap, namespace);
    const dataDir = await mkdtemp(join(tmpdir(), "muster-reconcile-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      MUSTER_DATA_DIR: dataDir,
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_EC2_FILTERS: `EngramCluster=${cluster}`,
      MUSTER_CLOUDMAP_NAMESPACE: namespace,
      AWS_ENDPOINT_URL_EC2: motoEndpoint(),
      AWS_ENDPOINT_URL_SERVICEDISCOVERY: motoEndpoint(),
    };
    const first = await start(env);
    cleanup.push(() => stop(first));
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const peers = async (url: string) =>
      (await (await fetch(`${url}/v1/services/engram/peers.txt`, { headers: auth })).text())
        .split("\n")
        .filter((l) => l !== "");

    const tags = { "muster:service": "engram", "muster:port": "7946", EngramCluster: cluster };
    const [a] = await launch(ec2, tags);
    const [b] = await launch(ec2, tags);
    // Within one interval, give or take the pass itself.
    const appeared = await within(
      INTERVAL_S * 1000 + 3_000,
      async () => (await peers(first.url)).length === 2,
    );
    expect((await peers(first.url)).sort()).toEqual([`${a?.ip}:7946`, `${b?.ip}:7946`].sort());

    await stopInstances(ec2, [a?.id as string]);
    await within(INTERVAL_S * 1000 + 3_000, async () => (await peers(first.url)).length === 1);
    expect(await peers(first.url)).toEqual([`${b?.ip}:7946`]);

    const hb = await fetch(`${first.url}/v1/services/engram/heartbeats`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ id: "node-1", address: "10.0.1.10:7946", ttl: 3600 }),
    });
    expect(hb.status).toBe(201);
    await within(INTERVAL_S * 1000 + 3_000, async () =>
      Boolean((await cloudMapContents(cloudMap))["_engram._tcp"]?.["node-1"]),
    );
    expect(await stop(first)).toBe(0);
    expect(first.stderr()).toContain("SIGTERM: shutting down");

    // The EC2 permission pulled: every EC2 call now fails.
    const second = await start({ ...env, AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:1" });
    cleanup.push(() => stop(second));
    const ec2Health = async () => {
      const res = await fetch(`${second.url}/v1/discovery/health`, { headers: auth });
      const body = (await res.json()) as {
        sources: { name: string; ok: boolean | null; error: string | null }[];
      };
      return body.sources.find((s) => s.name === "ec2");
    };
    await within(15_000, async () => /ECONNREFUSED/.test((await ec2Health())?.error ?? ""));
    expect(await ec2Health()).toMatchObject({ ok: false });
    // A few intervals on, past the instances' lease of three: nothing was taken away.
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL_S * 1000));
    expect((await peers(second.url)).sort()).toEqual(["10.0.1.10:7946", `${b?.ip}:7946`].sort());
    expect(await stop(second)).toBe(0);
    console.log(`tagged instance listed after ${appeared} ms`);
  });
});
