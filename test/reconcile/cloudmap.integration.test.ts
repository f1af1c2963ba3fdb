import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { irohBase32 } from "../../shared/model/iroh-base32.js";
import { runReconcilePass } from "../../shared/reconcile/pass.js";
import { createCloudMapClient } from "../../shared/sources/aws-clients.js";
import { type Engine, engine } from "../engines/index.js";
import { irohKeyBytes } from "../support/iroh-keys.js";
import {
  cloudMapContents,
  type MotoAccount,
  motoAccount,
  privateNamespace,
  registerForeign,
} from "../support/moto.js";
import { reconcilerHarness } from "../support/reconciler.js";
import { blixardNode, json } from "../support/registry.js";

const sqlite = (): Engine => engine("sqlite");

describe("Cloud Map import and export against moto", () => {
  const accounts: MotoAccount[] = [];
  const setup = async (byName = false) => {
    const moto = motoAccount();
    accounts.push(moto);
    const name = `cluster-${randomUUID().slice(0, 8)}.local`;
    const namespaceId = await privateNamespace(moto.setup.cloudMap, name);
    const r = await reconcilerHarness(sqlite(), moto, {
      MUSTER_CLOUDMAP_NAMESPACE: byName ? name : namespaceId,
    });
    return { moto, r, namespaceId, name };
  };
  afterEach(() => {
    for (const a of accounts.splice(0)) a.destroy();
  });

  it("imports the namespace's instances as source cloudmap, and drops them when Cloud Map does", async () => {
    const { moto, r, namespaceId } = await setup(true);
    await registerForeign(moto.setup.cloudMap, namespaceId, "engram", [
      {
        id: "ecs-task-1",
        attributes: { AWS_INSTANCE_IPV4: "10.0.7.1", AWS_INSTANCE_PORT: "7946", zone: "a" },
      },
      {
        id: "ecs-task-2",
        attributes: { AWS_INSTANCE_IPV4: "10.0.7.2", AWS_INSTANCE_PORT: "7946" },
      },
      // No port, and no default for the service: left out, and said so.
      { id: "ecs-task-3", attributes: { AWS_INSTANCE_IPV4: "10.0.7.3" } },
    ]);
    const report = await r.pass();
    expect(report.cloudMap).toMatchObject({ ok: true, found: 2, instances: 2 });
    expect(report.cloudMap?.skipped).toHaveLength(1);
    expect(await r.peers("engram")).toEqual(["10.0.7.1:7946", "10.0.7.2:7946"]);
    const listed = await json(await r.get("/v1/services/engram/instances"));
    expect(listed.instances[0]).toMatchObject({
      id: "ecs-task-1",
      source: "cloudmap",
      registered_by: "source:cloudmap",
      metadata: { zone: "a" },
    });

    const { DeregisterInstanceCommand, ListServicesCommand } = await import(
      "@aws-sdk/client-servicediscovery"
    );
    const services = await moto.setup.cloudMap.send(new ListServicesCommand({}));
    await moto.setup.cloudMap.send(
      new DeregisterInstanceCommand({
        ServiceId: services.Services?.[0]?.Id as string,
        InstanceId: "ecs-task-2",
      }),
    );
    r.advance(60);
    expect((await r.pass()).cloudMap).toMatchObject({ ok: true, removed: 1 });
    expect(await r.peers("engram")).toEqual(["10.0.7.1:7946"]);
  });

  it("exports heartbeat instances into a service named _<service>._tcp with SRV and A records, and deregisters them when they expire", async () => {
    const { moto, r, name } = await setup();
    expect(
      (await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946", ttl: 30 })).status,
    ).toBe(201);
    expect(
      (await r.heartbeat("engram", { id: "node-2", address: "10.0.1.11:7946", ttl: 3600 })).status,
    ).toBe(201);
    // Not exportable: a DNS name cannot be an A record; a critical node is not a peer.
    await r.heartbeat("engram", { id: "node-dns", address: "node3.example.internal:7946" });
    await r.heartbeat("engram", { id: "node-sick", address: "10.0.1.12:7946", status: "critical" });

    const report = await r.pass();
    expect(report.cloudMapExport).toMatchObject({
      ok: true,
      created: 1,
      registered: 2,
      instances: 2,
    });
    expect(await cloudMapContents(moto.setup.cloudMap)).toEqual({
      "_engram._tcp": {
        "node-1": {
          AWS_INSTANCE_IPV4: "10.0.1.10",
          AWS_INSTANCE_PORT: "7946",
          MUSTER_EXPORTED: "heartbeat",
        },
        "node-2": {
          AWS_INSTANCE_IPV4: "10.0.1.11",
          AWS_INSTANCE_PORT: "7946",
          MUSTER_EXPORTED: "heartbeat",
        },
      },
    });
    const { GetServiceCommand, ListServicesCommand } = await import(
      "@aws-sdk/client-servicediscovery"
    );
    const listed = await moto.setup.cloudMap.send(new ListServicesCommand({}));
    const service = await moto.setup.cloudMap.send(
      new GetServiceCommand({ Id: listed.Services?.[0]?.Id as string }),
    );
    // Cloud Map names a DNS service's SRV record `<service name>.<namespace>`: this is what a
    // Route 53 private zone answers `_engram._tcp.<namespace>` SRV from.
    expect(`${service.Service?.Name}.${name}`).toBe(`_engram._tcp.${name}`);
    expect(service.Service?.DnsConfig).toMatchObject({
      RoutingPolicy: "MULTIVALUE",
      DnsRecords: [
        { Type: "SRV", TTL: 10 },
        { Type: "A", TTL: 10 },
      ],
    });
    // What muster exported is not imported back.
    expect(report.cloudMap).toMatchObject({ ok: true, found: 0, instances: 0 });

    // Nothing changed: the next pass only reads.
    moto.calls.clear();
    r.advance(5);
    await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946", ttl: 30 });
    await r.pass();
    expect(moto.calls.calls.filter((c) => !c.startsWith("List") && !c.startsWith("Get"))).toEqual(
      [],
    );

    // node-1's lease runs out; node-2's does not.
    r.advance(31);
    moto.calls.clear();
    const later = await r.pass();
    expect(later.cloudMapExport).toMatchObject({ ok: true, deregistered: 1, instances: 1 });
    expect(moto.calls.count("DeregisterInstance")).toBe(1);
    expect(moto.calls.count("RegisterInstance")).toBe(0);
    expect(
      Object.keys((await cloudMapContents(moto.setup.cloudMap))["_engram._tcp"] ?? {}),
    ).toEqual(["node-2"]);
  });

  it("exports a Blixard node under its base32 NodeId, the first label of the SRV target Route 53 makes", async () => {
    const { moto, r } = await setup();
    for (const n of [1, 2]) {
      expect((await r.heartbeat("blixard", blixardNode(n, { ttl: 3600 }))).status).toBe(201);
    }
    await r.heartbeat("blixard", { id: "web-1", address: "10.0.2.1:80", ttl: 3600 });
    const report = await r.pass();
    expect(report.cloudMapExport).toMatchObject({ ok: true, registered: 3, instances: 3 });
    const id = (n: number) => irohBase32(irohKeyBytes(n));
    expect(await cloudMapContents(moto.setup.cloudMap)).toEqual({
      "_blixard._tcp": {
        [id(1)]: {
          AWS_INSTANCE_IPV4: "192.168.1.11",
          AWS_INSTANCE_PORT: "7001",
          MUSTER_EXPORTED: "heartbeat",
          MUSTER_ID: "node-1",
        },
        [id(2)]: {
          AWS_INSTANCE_IPV4: "192.168.1.12",
          AWS_INSTANCE_PORT: "7001",
          MUSTER_EXPORTED: "heartbeat",
          MUSTER_ID: "node-2",
        },
        "web-1": {
          AWS_INSTANCE_IPV4: "10.0.2.1",
          AWS_INSTANCE_PORT: "80",
          MUSTER_EXPORTED: "heartbeat",
        },
      },
    });
    // Route 53 answers `_blixard._tcp.<namespace>` SRV with targets
    // `<instance id>._blixard._tcp.<namespace>`, whose first label Blixard's DNS discovery
    // parses as the NodeId (test/blixard-shapes checks the base32 with iroh's own parser).
    // Stable: the next pass changes nothing.
    moto.calls.clear();
    r.advance(5);
    await r.pass();
    expect(moto.calls.calls.filter((c) => !c.startsWith("List") && !c.startsWith("Get"))).toEqual(
      [],
    );
    // The import does not take them back as instances of their own.
    expect(report.cloudMap).toMatchObject({ ok: true, found: 0, instances: 0 });
  });

  it("imports a service named _<name>._tcp (the SRV spelling) as <name>", async () => {
    const { moto, r, namespaceId } = await setup();
    await registerForeign(moto.setup.cloudMap, namespaceId, "_stellar._tcp", [
      { id: "task-1", attributes: { AWS_INSTANCE_IPV4: "10.0.8.1", AWS_INSTANCE_PORT: "11625" } },
    ]);
    const report = await r.pass();
    expect(report.cloudMap).toMatchObject({ ok: true, found: 1, instances: 1 });
    expect(await r.peers("stellar")).toEqual(["10.0.8.1:11625"]);
  });

  it("registers a changed address again, and leaves a Cloud Map instance it did not make alone", async () => {
    const { moto, r, namespaceId } = await setup();
    await registerForeign(moto.setup.cloudMap, namespaceId, "engram", [
      { id: "node-1", attributes: { AWS_INSTANCE_IPV4: "10.0.9.9", AWS_INSTANCE_PORT: "1" } },
    ]);
    await r.heartbeat("engram", { id: "node-2", address: "10.0.1.11:7946" });
    await r.pass();
    // node-1 is Cloud Map's (imported, owned by the source): a token cannot take it over.
    expect((await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946" })).status).toBe(
      409,
    );

    r.advance(5);
    await r.heartbeat("engram", { id: "node-2", address: "10.0.1.12:7946" });
    moto.calls.clear();
    await r.pass();
    expect(moto.calls.count("RegisterInstance")).toBe(1);
    const contents = await cloudMapContents(moto.setup.cloudMap);
    expect(contents["_engram._tcp"]?.["node-2"]).toMatchObject({ AWS_INSTANCE_IPV4: "10.0.1.12" });
    expect(contents.engram?.["node-1"]).toEqual({
      AWS_INSTANCE_IPV4: "10.0.9.9",
      AWS_INSTANCE_PORT: "1",
    });
  });

  it("changes nothing, in the registry or in Cloud Map, when Cloud Map cannot be reached", async () => {
    const { moto, r, namespaceId } = await setup();
    await registerForeign(moto.setup.cloudMap, namespaceId, "stellar", [
      { id: "task-1", attributes: { AWS_INSTANCE_IPV4: "10.0.8.1", AWS_INSTANCE_PORT: "11625" } },
      { id: "task-2", attributes: { AWS_INSTANCE_IPV4: "10.0.8.2", AWS_INSTANCE_PORT: "11625" } },
    ]);
    await r.heartbeat("engram", { id: "node-1", address: "10.0.1.10:7946", ttl: 3600 });
    await r.pass();
    const before = await cloudMapContents(moto.setup.cloudMap);

    const dead = createCloudMapClient({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 2,
    });
    for (let i = 0; i < 4; i++) {
      r.advance(60);
      const report = await runReconcilePass(
        { store: r.store, config: r.config, cloudMap: dead, now: () => r.clock.ms },
        { budgetMs: 20_000 },
      );
      expect(report.cloudMap).toMatchObject({ ok: false, instances: 2, removed: 0 });
      expect(report.cloudMapExport).toMatchObject({ ok: false });
    }
    dead.destroy();
    expect(await r.peers("stellar")).toEqual(["10.0.8.1:11625", "10.0.8.2:11625"]);
    expect(await cloudMapContents(moto.setup.cloudMap)).toEqual(before);
  });
});
