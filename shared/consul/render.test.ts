import { describe, expect, it } from "vitest";
import type { Instance } from "../model/instance.js";
import { agentSelf } from "./agent-self.js";
import {
  aggregateStatus,
  type ConsulView,
  catalogService,
  catalogServices,
  serviceEntry,
} from "./render.js";

function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    service: "web",
    id: "web-1",
    address: "10.0.0.5:8080",
    direct_addresses: [],
    relay_url: null,
    iroh_node_id: null,
    cluster_node_id: null,
    tags: ["primary"],
    metadata: { version: "1.2.3" },
    version: null,
    weight: 3,
    status: "passing",
    source: "heartbeat",
    registered_by: "fp",
    registered_at: "2024-01-01T00:00:00Z",
    last_seen: "2024-01-01T00:00:10Z",
    expires_at: "2024-01-01T00:02:25Z",
    ...overrides,
  };
}

const ctx = { datacenter: "dc1" };
const view = (i: Instance, extra: Partial<ConsulView> = {}): ConsulView => ({
  instance: i,
  createIndex: 7,
  modifyIndex: 9,
  ...extra,
});

/** Every value in the tree, so a test can say "no null anywhere". */
function values(v: unknown): unknown[] {
  if (v === null || typeof v !== "object") return [v];
  return [v, ...Object.values(v).flatMap(values)];
}

describe("serviceEntry", () => {
  it("renders an instance as Consul's health endpoint does", () => {
    const entry = serviceEntry(view(instance()), ctx);
    expect(entry.Node).toEqual({
      ID: "",
      Node: "10.0.0.5",
      Address: "10.0.0.5",
      Datacenter: "dc1",
      TaggedAddresses: {
        lan: "10.0.0.5",
        lan_ipv4: "10.0.0.5",
        wan: "10.0.0.5",
        wan_ipv4: "10.0.0.5",
      },
      Meta: {},
      CreateIndex: 7,
      ModifyIndex: 9,
    });
    expect(entry.Service).toMatchObject({
      ID: "web-1",
      Service: "web",
      Tags: ["primary"],
      Address: "10.0.0.5",
      Port: 8080,
      Meta: { version: "1.2.3" },
      Weights: { Passing: 3, Warning: 1 },
      TaggedAddresses: {
        lan_ipv4: { Address: "10.0.0.5", Port: 8080 },
        wan_ipv4: { Address: "10.0.0.5", Port: 8080 },
      },
    });
    expect(entry.Checks).toEqual([
      expect.objectContaining({
        Node: "10.0.0.5",
        CheckID: "service:web-1",
        Name: "Service 'web' check",
        Status: "passing",
        ServiceID: "web-1",
        ServiceName: "web",
        ServiceTags: ["primary"],
        Type: "ttl",
        Definition: {},
      }),
    ]);
  });

  it("never sends null, and sends Port as a number, for an instance with nothing optional", () => {
    const entry = serviceEntry(view(instance({ tags: [], metadata: {} })), ctx);
    expect(values(entry)).not.toContain(null);
    expect(values(entry)).not.toContain(undefined);
    expect(typeof entry.Service.Port).toBe("number");
    expect(entry.Service.Tags).toEqual([]);
    expect(entry.Checks[0]?.ServiceTags).toEqual([]);
  });

  it("renders the checks muster keeps, and registered tagged addresses over the agent's", () => {
    const entry = serviceEntry(
      view(instance({ address: "[2001:db8::5]:9000", status: "critical" }), {
        checks: [
          { checkId: "a", name: "A", status: "passing", notes: "n", output: "fine" },
          { checkId: "b", name: "B", status: "critical", notes: "", output: "TTL expired" },
        ],
        taggedAddresses: { wan_ipv6: { address: "2001:db8::99", port: 443 } },
        warningWeight: 0,
      }),
      ctx,
    );
    expect(entry.Node.TaggedAddresses).toEqual({
      lan: "2001:db8::5",
      lan_ipv6: "2001:db8::5",
      wan: "2001:db8::5",
      wan_ipv6: "2001:db8::5",
    });
    expect(entry.Service.TaggedAddresses).toEqual({
      lan_ipv6: { Address: "2001:db8::5", Port: 9000 },
      wan_ipv6: { Address: "2001:db8::99", Port: 443 },
    });
    expect(entry.Service.Weights).toEqual({ Passing: 3, Warning: 0 });
    expect(entry.Checks.map((c) => [c.CheckID, c.Status, c.Output])).toEqual([
      ["a", "passing", "fine"],
      ["b", "critical", "TTL expired"],
    ]);
  });

  it("gives a host name node no IP address tags", () => {
    const entry = serviceEntry(view(instance({ address: "node-1.internal:80" })), ctx);
    expect(entry.Node.TaggedAddresses).toEqual({ lan: "node-1.internal", wan: "node-1.internal" });
    expect(entry.Service.TaggedAddresses).toEqual({});
  });
});

describe("catalogService", () => {
  it("flattens node and service as Consul's catalog does", () => {
    const row = catalogService(view(instance()), ctx);
    expect(row).toMatchObject({
      Node: "10.0.0.5",
      Address: "10.0.0.5",
      Datacenter: "dc1",
      TaggedAddresses: { lan: "10.0.0.5", wan: "10.0.0.5" },
      NodeMeta: {},
      ServiceID: "web-1",
      ServiceName: "web",
      ServiceTags: ["primary"],
      ServiceAddress: "10.0.0.5",
      ServicePort: 8080,
      ServiceWeights: { Passing: 3, Warning: 1 },
      ServiceMeta: { version: "1.2.3" },
      ServiceTaggedAddresses: { lan_ipv4: { Address: "10.0.0.5", Port: 8080 } },
      CreateIndex: 7,
      ModifyIndex: 9,
    });
    expect(values(row)).not.toContain(null);
  });
});

describe("catalogServices", () => {
  it("lists each service with the union of its tags", () => {
    expect(
      catalogServices([
        { service: "web", tags: ["b", "a"] },
        { service: "web", tags: ["a", "c"] },
        { service: "db", tags: [] },
      ]),
    ).toEqual({ db: [], web: ["a", "b", "c"] });
    expect(catalogServices([])).toEqual({});
  });
});

describe("aggregateStatus", () => {
  it("takes the worst status, passing for no check", () => {
    expect(aggregateStatus([{ status: "passing" }, { status: "warning" }])).toBe("warning");
    expect(aggregateStatus([{ status: "warning" }, { status: "critical" }])).toBe("critical");
    expect(aggregateStatus([])).toBe("passing");
  });
});

describe("agentSelf", () => {
  it("has Config.Datacenter and Config.NodeName, and every top-level value is an object", () => {
    const self = agentSelf({
      datacenter: "dc1",
      nodeName: "muster",
      version: "1.20.0",
      revision: "muster-0.1.0",
      address: "127.0.0.1",
    });
    expect(self.Config.Datacenter).toBe("dc1");
    expect(self.Config.NodeName).toBe("muster");
    for (const value of Object.values(self)) {
      expect(value).toBeTypeOf("object");
      expect(value).not.toBeNull();
      expect(Array.isArray(value)).toBe(false);
    }
  });
});
