import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { runReconcilePass } from "../../shared/reconcile/pass.js";
import { discoveryFromTable } from "../../shared/reconcile/status.js";
import { createCloudMapClient } from "../../shared/sources/aws-clients.js";
import { type Engine, engine } from "../engines/index.js";
import { launch, type MotoAccount, motoAccount, privateNamespace } from "../support/moto.js";
import { reconcilerHarness } from "../support/reconciler.js";
import { testRegistry } from "../support/registry.js";

const sqlite = (): Engine => engine("sqlite");

describe("/v1/discovery/health", () => {
  const accounts: MotoAccount[] = [];
  afterEach(() => {
    for (const a of accounts.splice(0)) a.destroy();
  });

  it("reports per source: enabled, last run, ok or the error, instances, next run", async () => {
    const moto = motoAccount();
    accounts.push(moto);
    const name = `cluster-${randomUUID().slice(0, 8)}.local`;
    await privateNamespace(moto.setup.cloudMap, name);
    const r = await reconcilerHarness(sqlite(), moto, {
      MUSTER_EC2_DISCOVERY: "true",
      MUSTER_CLOUDMAP_NAMESPACE: name,
      MUSTER_RECONCILE_INTERVAL: "30",
    });
    // Configured, not run yet.
    expect((await r.health()).sources).toEqual([
      expect.objectContaining({ name: "cloudmap", enabled: true, last_run: null, ok: null }),
      expect.objectContaining({ name: "cloudmap-export", enabled: true, last_run: null }),
      expect.objectContaining({ name: "ec2", enabled: true, last_run: null, next_run: null }),
    ]);

    await launch(moto.setup.ec2, { "muster:service": "engram", "muster:port": "7946" }, 2);
    await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946", ttl: 3600 });
    const started = r.clock.ms;
    await r.pass();
    const iso = (ms: number) =>
      new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const body = await r.health();
    expect(body).toEqual({
      sources: [
        {
          name: "cloudmap",
          enabled: true,
          last_run: iso(started),
          next_run: iso(started + 30_000),
          ok: true,
          error: null,
          instances: 0,
        },
        {
          name: "cloudmap-export",
          enabled: true,
          last_run: iso(started),
          next_run: iso(started + 30_000),
          ok: true,
          error: null,
          instances: 1,
        },
        {
          name: "ec2",
          enabled: true,
          last_run: iso(started),
          next_run: iso(started + 30_000),
          ok: true,
          error: null,
          instances: 2,
        },
      ],
      totals: { sources: 3, enabled: 3, ok: 3, instances: 3 },
    });

    // Cloud Map goes away: its entries say why, EC2's stay ok.
    const dead = createCloudMapClient({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    r.advance(30);
    await runReconcilePass(
      { store: r.store, config: r.config, ec2: moto.ec2, cloudMap: dead, now: () => r.clock.ms },
      { budgetMs: 10_000 },
    );
    dead.destroy();

    // Another process (the API Lambda) reads the same from the table.
    const fromTable = discoveryFromTable({ store: r.store, now: () => r.clock.ms });
    const seen = await fromTable();
    expect(seen.sources.find((s) => s.name === "cloudmap")).toMatchObject({
      ok: false,
      instances: 0,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(seen.sources.find((s) => s.name === "ec2")).toMatchObject({ ok: true, instances: 2 });
    expect(seen.totals).toMatchObject({ sources: 3, enabled: 3, ok: 1 });

    // No pass for well over two intervals: the reconciler is reported as stopped.
    r.advance(120);
    expect((await fromTable()).sources.find((s) => s.name === "ec2")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^no pass since .*: is the reconciler running\?$/),
    });
  });

  it("reads what another process's pass wrote, on every request", async () => {
    const r = await testRegistry(sqlite());
    const read = discoveryFromTable({ store: r.store, configured: ["ec2"] });
    expect((await read()).sources).toEqual([
      expect.objectContaining({ name: "ec2", enabled: true, last_run: null, ok: null }),
    ]);
    await r.store.putReconcileState({
      name: "ec2",
      enabled: true,
      last_run: Date.now(),
      next_run: Date.now() + 60_000,
      ok: true,
      error: null,
      found: 5,
      instances: 5,
      accepted: 5,
      held_passes: 0,
    });
    expect((await read()).sources).toEqual([
      expect.objectContaining({ name: "ec2", ok: true, instances: 5 }),
    ]);
  });
});
