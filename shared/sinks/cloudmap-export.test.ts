import { describe, expect, it } from "vitest";
import { instance } from "../../test/support/instances.js";
import { irohKeyBytes, irohNodeId } from "../../test/support/iroh-keys.js";
import type { Instance } from "../model/instance.js";
import { irohBase32 } from "../model/iroh-base32.js";
import type { NamespaceSnapshot } from "../sources/cloudmap-namespace.js";
import { cloudMapId, exportServiceName, planExport } from "./cloudmap-export.js";

const node = (id: string, address: string, extra: Partial<Instance> = {}): Instance =>
  instance({ service: "engram", id, address, ...extra });

const ours = (ip: string, port = "7946") => ({
  AWS_INSTANCE_IPV4: ip,
  AWS_INSTANCE_PORT: port,
  MUSTER_EXPORTED: "heartbeat",
});

const snapshot = (services: NamespaceSnapshot["services"]): NamespaceSnapshot => ({
  namespace: { id: "ns-abc", name: "cluster.local", type: "DNS_PRIVATE" },
  services,
});

describe("planExport", () => {
  it("lists only what changed: new, moved and expired instances, and missing services", () => {
    const plan = planExport(
      [
        node("same", "10.0.0.1:7946"),
        node("moved", "10.0.0.9:7946"),
        node("new", "10.0.0.3:7946"),
        node("other", "10.0.1.1:80", { service: "stellar" }),
        node("sick", "10.0.0.4:7946", { status: "critical" }),
        node("named", "db.internal:5432"),
        node("v6", "[fd00::1]:7946"),
        node("imported", "10.0.0.5:7946", { source: "cloudmap" }),
      ],
      snapshot([
        {
          id: "srv-1",
          name: "_engram._tcp",
          instances: [
            { id: "same", attributes: ours("10.0.0.1") },
            { id: "moved", attributes: ours("10.0.0.2") },
            { id: "expired", attributes: ours("10.0.0.7") },
            { id: "foreign", attributes: { AWS_INSTANCE_IPV4: "10.0.0.8" } },
          ],
        },
      ]),
    );
    expect(plan.create).toEqual(["_stellar._tcp"]);
    expect(plan.register.map((r) => [r.service, r.id, r.isNew])).toEqual([
      ["_engram._tcp", "moved", false],
      ["_engram._tcp", "new", true],
      ["_stellar._tcp", "other", true],
    ]);
    expect(plan.deregister).toEqual([
      { service: "_engram._tcp", serviceId: "srv-1", id: "expired" },
    ]);
    expect(plan).toMatchObject({ desired: 4, current: 3 });
    expect(plan.skipped).toHaveLength(2);
  });

  it("never overwrites an instance someone else registered under the same id", () => {
    const plan = planExport(
      [node("task-1", "10.0.0.1:7946")],
      snapshot([
        {
          id: "srv-1",
          name: "_engram._tcp",
          instances: [{ id: "task-1", attributes: { AWS_INSTANCE_IPV4: "10.9.9.9" } }],
        },
      ]),
    );
    expect(plan.register).toEqual([]);
    expect(plan.skipped[0]).toMatch(/not made by muster/);
  });

  it("names services for SRV in a DNS namespace, and moves exports out of a plainly named one", () => {
    expect(exportServiceName("engram", "DNS_PRIVATE")).toBe("_engram._tcp");
    expect(exportServiceName("engram", "HTTP")).toBe("engram");
    const plan = planExport(
      [node("a", "10.0.0.1:7946")],
      snapshot([
        { id: "srv-old", name: "engram", instances: [{ id: "a", attributes: ours("10.0.0.1") }] },
      ]),
    );
    expect(plan.create).toEqual(["_engram._tcp"]);
    expect(plan.register.map((r) => [r.service, r.id])).toEqual([["_engram._tcp", "a"]]);
    expect(plan.deregister).toEqual([{ service: "engram", serviceId: "srv-old", id: "a" }]);
    const http = planExport([node("a", "10.0.0.1:7946")], {
      namespace: { id: "ns-h", name: "api-only", type: "HTTP" },
      services: [],
    });
    expect(http.create).toEqual(["engram"]);
  });

  it("shortens ids past Cloud Map's 64 characters, uniquely", () => {
    const long = "n".repeat(100);
    expect(cloudMapId("node-1")).toBe("node-1");
    expect(cloudMapId(long)).toHaveLength(64);
    expect(cloudMapId(long)).not.toBe(cloudMapId(`${"n".repeat(99)}m`));
    const plan = planExport([node(long, "10.0.0.1:1")], snapshot([]));
    expect(plan.register[0]?.attributes.MUSTER_ID).toBe(long);
  });

  it("exports a Blixard node under its base32 NodeId, keeping the muster id in MUSTER_ID", () => {
    const plan = planExport(
      [
        node("node-1", "10.0.0.1:7001", { iroh_node_id: irohNodeId(1), cluster_node_id: 1 }),
        // The same node again under a new id while the old lease runs: exported once.
        node("node-1b", "10.0.0.1:7001", { iroh_node_id: irohNodeId(1), cluster_node_id: 1 }),
        node("web", "10.0.0.2:80"),
      ],
      snapshot([
        // What an earlier export made under the muster id: moved to the NodeId.
        {
          id: "srv-1",
          name: "_engram._tcp",
          instances: [{ id: "node-1", attributes: ours("10.0.0.1", "7001") }],
        },
      ]),
    );
    const id = irohBase32(irohKeyBytes(1));
    expect(plan.register.map((r) => [r.id, r.attributes.MUSTER_ID])).toEqual([
      [id, "node-1"],
      ["web", undefined],
    ]);
    expect(plan.deregister.map((d) => d.id)).toEqual(["node-1"]);
    expect(plan.skipped).toEqual([
      `_engram._tcp/${id}: node-1b has the NodeId of node-1, exported once`,
    ]);
  });
});
