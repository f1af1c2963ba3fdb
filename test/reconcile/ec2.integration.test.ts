import { afterEach, describe, expect, it } from "vitest";
import { runReconcilePass } from "../../shared/reconcile/pass.js";
import { createEc2Client } from "../../shared/sources/aws-clients.js";
import { type Engine, engine } from "../engines/index.js";
import {
  launch,
  type MotoAccount,
  motoAccount,
  stopInstances,
  terminateInstances,
} from "../support/moto.js";
import { reconcilerHarness } from "../support/reconciler.js";
import { json } from "../support/registry.js";

const sqlite = (): Engine => engine("sqlite");
const ENGRAM = { "muster:service": "engram", "muster:port": "7946" };

describe("EC2 tag discovery against moto", () => {
  const accounts: MotoAccount[] = [];
  const account = () => {
    const a = motoAccount();
    accounts.push(a);
    return a;
  };
  afterEach(() => {
    for (const a of accounts.splice(0)) a.destroy();
  });

  it("lists running tagged instances as <private ip>:<muster:port>, and a stopped or terminated one leaves on the next pass", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    const [a, b, c, d] = await launch(moto.setup.ec2, ENGRAM, 4);
    await launch(moto.setup.ec2, { Name: "untagged" });
    if (!a || !b || !c || !d) throw new Error("moto launched fewer instances");

    const first = await r.pass();
    expect(first.ec2).toMatchObject({ ok: true, found: 4, instances: 4, written: 4 });
    expect((await r.peers("engram")).sort()).toEqual(
      [a, b, c, d].map((i) => `${i.ip}:7946`).sort(),
    );
    const listed = await json(await r.get("/v1/services/engram/instances"));
    expect(listed.instances.find((i: { id: string }) => i.id === a.id)).toMatchObject({
      source: "ec2",
      registered_by: "source:ec2",
      metadata: { ec2_instance_id: a.id, instance_type: "t3.micro" },
    });

    await stopInstances(moto.setup.ec2, [a.id]);
    await terminateInstances(moto.setup.ec2, [b.id]);
    r.advance(60);
    const second = await r.pass();
    expect(second.ec2).toMatchObject({ ok: true, found: 2, removed: 2 });
    expect((await r.peers("engram")).sort()).toEqual([c, d].map((i) => `${i.ip}:7946`).sort());
    // Losing a single instance is never held back, whatever the fleet's size.
    await stopInstances(moto.setup.ec2, [c.id]);
    r.advance(60);
    expect((await r.pass()).ec2).toMatchObject({ ok: true, found: 1, removed: 1 });
    expect(await r.peers("engram")).toEqual([`${d.ip}:7946`]);
    await stopInstances(moto.setup.ec2, [d.id]);
    r.advance(60);
    expect((await r.pass()).ec2).toMatchObject({ ok: true, found: 0, removed: 1 });
    expect(await r.peers("engram")).toEqual([]);
  });

  it("uses a service's default port, applies the extra tag filters, and skips bad tags", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, {
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_EC2_FILTERS: "EngramCluster=production",
      MUSTER_EC2_DEFAULT_PORTS: "engram=7946,stellar=11625",
    });
    const [prod] = await launch(moto.setup.ec2, {
      "muster:service": "engram",
      EngramCluster: "production",
    });
    await launch(moto.setup.ec2, { ...ENGRAM, EngramCluster: "staging" });
    const [stellar] = await launch(moto.setup.ec2, {
      "muster:service": "stellar",
      "muster:port": "11626",
      EngramCluster: "production",
    });
    await launch(moto.setup.ec2, { "muster:service": "Not_A_Label", EngramCluster: "production" });
    await launch(moto.setup.ec2, { "muster:service": "noport", EngramCluster: "production" });

    const report = await r.pass();
    expect(report.ec2?.skipped).toHaveLength(2);
    expect(await r.peers("engram")).toEqual([`${prod?.ip}:7946`]);
    // The tag wins over the default.
    expect(await r.peers("stellar")).toEqual([`${stellar?.ip}:11626`]);
  });

  it("follows every page of DescribeInstances", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    // moto pages by reservation: seven RunInstances calls make two pages of five.
    const launched = [];
    for (let i = 0; i < 7; i++) launched.push(...(await launch(moto.setup.ec2, ENGRAM)));
    moto.calls.clear();
    await r.pass({ ec2PageSize: 5 });
    expect(moto.calls.count("DescribeInstances")).toBe(2);
    expect((await r.peers("engram")).sort()).toEqual(launched.map((i) => `${i.ip}:7946`).sort());
  });

  it("keeps a source's instances alive past their lease while passes run, and lets a dead reconciler's expire", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, {
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_RECONCILE_INTERVAL: "60",
    });
    const [a] = await launch(moto.setup.ec2, ENGRAM);
    await r.pass();
    // Lease: three intervals. Passes every interval renew it (every other pass writes).
    for (let i = 0; i < 6; i++) {
      r.advance(60);
      await r.pass();
    }
    expect(await r.peers("engram")).toEqual([`${a?.ip}:7946`]);
    // No pass for three intervals: the instance expires on its own.
    r.advance(181);
    expect(await r.peers("engram")).toEqual([]);
  });

  it("answers a token's heartbeat for an EC2-owned id with 409 and its DELETE with 403", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    const [a] = await launch(moto.setup.ec2, ENGRAM);
    await r.pass();
    const hb = await r.heartbeat("engram", { id: a?.id, address: "10.9.9.9:1" });
    expect(hb.status).toBe(409);
    expect((await r.remove("engram", a?.id as string)).status).toBe(403);
    expect(await r.peers("engram")).toEqual([`${a?.ip}:7946`]);
  });

  it("removes a heartbeat node at once when EC2 says its instance is terminated, and does not list a self-registered tagged node twice", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    const [doomed, alive] = await launch(moto.setup.ec2, { Name: "agent" }, 2);
    const [tagged] = await launch(moto.setup.ec2, ENGRAM);
    const hb = (id: string, ec2: string, address: string) =>
      r.heartbeat("engram", { id, address, ttl: 3600, metadata: { ec2_instance_id: ec2 } });
    expect((await hb("node-doomed", doomed?.id as string, "10.1.0.1:7946")).status).toBe(201);
    expect((await hb("node-alive", alive?.id as string, "10.1.0.2:7946")).status).toBe(201);
    // Unknown to EC2 (another account, a typo): left alone.
    expect((await hb("node-unknown", "i-0123456789abcdef0", "10.1.0.3:7946")).status).toBe(201);
    // The tagged instance runs the agent too: its own heartbeat is the one listed.
    expect((await hb("node-tagged", tagged?.id as string, "10.1.0.4:7946")).status).toBe(201);

    await terminateInstances(moto.setup.ec2, [doomed?.id as string]);
    const report = await r.pass();
    expect(report.terminated).toBe(1);
    expect(report.ec2).toMatchObject({ ok: true, found: 1, instances: 0 });
    expect((await r.peers("engram")).sort()).toEqual([
      "10.1.0.2:7946",
      "10.1.0.3:7946",
      "10.1.0.4:7946",
    ]);
  });

  it("keeps everything when EC2 cannot be reached (the permission pulled, say), and says why", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    const launched = await launch(moto.setup.ec2, ENGRAM, 2);
    await r.pass();
    const before = (await r.peers("engram")).sort();
    expect(before).toHaveLength(2);

    // A loopback port nothing listens on: every call fails after the SDK's retries.
    const dead = createEc2Client({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 2,
    });
    for (let i = 0; i < 5; i++) {
      r.advance(60);
      const report = await runReconcilePass(
        { store: r.store, config: r.config, ec2: dead, now: () => r.clock.ms },
        { budgetMs: 20_000 },
      );
      expect(report.ec2).toMatchObject({ ok: false, found: null, instances: 2, removed: 0 });
    }
    dead.destroy();
    // Five intervals later, past the three-interval lease: still there, renewed while failing.
    expect((await r.peers("engram")).sort()).toEqual(before);
    await r.store.reconcileStates().then((states) => {
      const ec2 = states.find((s) => s.name === "ec2");
      expect(ec2).toMatchObject({ enabled: true, ok: false, instances: 2 });
      expect(ec2?.error).toMatch(/ECONNREFUSED|connect/i);
    });
    expect(launched).toHaveLength(2);
  });

  it("holds back a sudden drop below half, reports it, and believes it once passes confirm it", async () => {
    const moto = account();
    const r = await reconcilerHarness(sqlite(), moto, { MUSTER_EC2_DISCOVERY: "true" });
    const launched = await launch(moto.setup.ec2, ENGRAM, 4);
    await r.pass();
    expect(await r.peers("engram")).toHaveLength(4);

    await terminateInstances(
      moto.setup.ec2,
      launched.slice(1).map((i) => i.id),
    );
    r.advance(60);
    const held = await r.pass();
    expect(held.ec2).toMatchObject({
      ok: false,
      found: 1,
      instances: 4,
      removed: 0,
      heldPasses: 1,
    });
    expect(await r.peers("engram")).toHaveLength(4);
    const health = await r.source("ec2");
    expect(health).toMatchObject({ enabled: true, ok: false, instances: 4 });
    expect(health.error).toMatch(
      /safety: found 1 instance\(s\) where the last accepted pass had 4/,
    );

    r.advance(60);
    expect((await r.pass()).ec2).toMatchObject({ ok: false, heldPasses: 2 });
    r.advance(60);
    const believed = await r.pass();
    expect(believed.ec2).toMatchObject({ ok: true, removed: 3, instances: 1, heldPasses: 0 });
    expect(await r.peers("engram")).toEqual([`${launched[0]?.ip}:7946`]);
  });
});
